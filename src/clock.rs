//! Wall-clock time as the database and the printed forms want it: Unix
//! seconds, RFC 3339 UTC text, and the DD-MM-YYYY date of a certificate.
//! No time zone database: everything stored is UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Now as RFC 3339 UTC text, e.g. `2026-11-29T05:01:02Z`.
pub fn now_rfc3339() -> String {
    rfc3339(now_unix())
}

/// Unix seconds as RFC 3339 UTC text.
pub fn rfc3339(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The date of `unix` as printed on Indian forms: `DD-MM-YYYY`.
pub fn date_dmy(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    format!("{d:02}-{m:02}-{y:04}")
}

/// The date in India (IST, UTC+05:30) at `unix`, `DD-MM-YYYY`: the date
/// an RO writes on a form, which differs from the UTC date from midnight
/// to 05:30 IST.
pub fn ist_date_dmy(unix: i64) -> String {
    date_dmy(unix + 5 * 3600 + 30 * 60)
}

/// Unix seconds of an RFC 3339 UTC timestamp as we write them
/// (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn unix_from_rfc3339(ts: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| ts.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Howard Hinnant's `days_from_civil`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Minutes since midnight, Indian Standard Time, at `unix`.
pub fn ist_minutes(unix: i64) -> i64 {
    (unix + 5 * 3600 + 30 * 60).rem_euclid(86_400) / 60
}

/// A stored UTC timestamp as people in the counting hall read it: Indian
/// Standard Time (UTC+05:30), `DD-MM-YYYY HH:MM IST`; the text as it is
/// when it is not one of ours.
pub fn ist(ts: &str) -> String {
    match unix_from_rfc3339(ts) {
        Some(u) => {
            let u = u + 5 * 3600 + 30 * 60;
            let s = u.rem_euclid(86_400);
            format!("{} {:02}:{:02} IST", date_dmy(u), s / 3600, s / 60 % 60)
        }
        None => ts.to_string(),
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_show_in_indian_time() {
        for u in [0, 951_782_400, 1_796_000_000, 4_102_444_799] {
            assert_eq!(unix_from_rfc3339(&rfc3339(u)), Some(u));
        }
        assert_eq!(ist("2026-11-29T20:00:00Z"), "30-11-2026 01:30 IST");
        assert_eq!(ist("not a time"), "not a time");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2026-11-29 05:01:02 UTC
        assert_eq!(rfc3339(1_795_928_462), "2026-11-29T05:01:02Z");
        assert_eq!(date_dmy(1_795_928_462), "29-11-2026");
        // Leap day.
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        // 20:31 UTC on 2 December is 02:01 IST on 3 December.
        let late = unix_from_rfc3339("2026-12-02T20:31:00Z").unwrap();
        assert_eq!(
            (date_dmy(late).as_str(), ist_date_dmy(late).as_str()),
            ("02-12-2026", "03-12-2026")
        );
        assert_eq!(ist_date_dmy(1_795_928_462), "29-11-2026");
    }
}
