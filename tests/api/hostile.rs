//! Files built to take the server down, made here: object streams of huge
//! arrays, giant and shared content streams, pages of noise and of QR
//! finder patterns. Each is answered clearly, the server stays up, and its
//! own memory stays small (the reader process opens them, `docs/design.md`).

use serde_json::Value;

use crate::documents::form_13b;
use crate::helpers::{Server, TempDir, scan_batch, storage_env};
use crate::pdf::{deflate, pdf, stream};

/// Catalogue, page tree and `pages` pages that draw content object `content`.
fn pages_drawing(pages: usize, content: usize) -> Vec<Vec<u8>> {
    let kids: String = (0..pages).map(|i| format!("{} 0 R ", i + 3)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{kids}] /Count {pages} >>").into_bytes(),
    ];
    for _ in 0..pages {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R >>"
            )
            .into_bytes(),
        );
    }
    objects
}

/// One page, and object streams each holding `arrays` arrays of `zeros`
/// zeros.
fn object_streams(streams: usize, arrays: usize, zeros: usize) -> Vec<u8> {
    let mut objects = pages_drawing(1, 4);
    objects.push(stream("", b"0 0 m 10 10 l S"));
    let body = format!("[{}]\n", "0 ".repeat(zeros));
    for s in 0..streams {
        let first = 1000 + s * arrays;
        let mut head = String::new();
        for a in 0..arrays {
            head.push_str(&format!("{} {} ", first + a, a * body.len()));
        }
        head.push('\n');
        let data = format!("{head}{}", body.repeat(arrays));
        objects.push(stream(
            &format!(
                "/Type /ObjStm /N {arrays} /First {} /Filter /FlateDecode",
                head.len()
            ),
            &deflate(data.as_bytes()),
        ));
    }
    pdf(&objects)
}

/// `pages` pages sharing one content stream of `mb` MB of drawing.
fn shared_content(pages: usize, mb: usize) -> Vec<u8> {
    let mut objects = pages_drawing(pages, pages + 3);
    let op = b"0 0 m 1 1 l\n";
    let content = op.repeat((mb << 20) / op.len());
    objects.push(stream("/Filter /FlateDecode", &deflate(&content)));
    pdf(&objects)
}

#[test]
fn hostile_pdfs_are_refused_and_the_server_stays_small() {
    let tmp = TempDir::new("hostile-pdf");
    let data = tmp.0.join("data");
    let mut env = storage_env(&data);
    // A reader may use 600 MB: the parser's own bomb (below) goes past it.
    env.push(("SCRUTINY_READER_MB", "600".into()));
    let s = Server::start_with(
        &data,
        "127.0.0.1:0",
        env,
        &["--demo", "--no-demo-scans", "--workers", "1"],
    );
    let ro = s.login("ro71", "demo-ro71");

    // 98 KB that inflate to an array of 50 million zeros.
    let zeros = object_streams(1, 1, 50_000_000);
    assert!(zeros.len() < 200_000, "{}", zeros.len());
    // A 15 MB drawing on one page, and 3 MB drawn by each of 40 pages.
    let giant = shared_content(1, 15);
    let shared = shared_content(40, 3);
    // Within every bound on the bytes (arrays of 90,000, object streams of
    // 7 MB, 49 MB in all) but 24 million values once parsed: only the
    // reader's memory limit stops it.
    let many = object_streams(7, 40, 90_000);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("zeros.pdf", zeros, "object stream"),
        ("giant.pdf", giant, "drawing"),
        ("shared.pdf", shared, "together"),
        ("many.pdf", many, "600 MB"),
    ];
    let before: Value = s.get("/api/v1/acs/71/documents", &ro);
    std::thread::scope(|scope| {
        // Each twice, all at once.
        let answers: Vec<_> = cases
            .iter()
            .chain(cases.iter())
            .map(|(name, bytes, _)| scope.spawn(|| (*name, s.upload(71, &ro, name, bytes))))
            .collect();
        for a in answers {
            let (name, (status, body)) = a.join().unwrap();
            let said = cases.iter().find(|c| c.0 == name).unwrap().2;
            assert_eq!(
                (status, body["error"].as_str()),
                (413, Some("too-large")),
                "{name}: {body}"
            );
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains(said), "{name}: {message}");
        }
    });
    // Nothing was stored, the server still serves, and it never held more
    // than a fraction of what the files would have taken.
    assert_eq!(s.get("/api/v1/acs/71/documents", &ro), before);
    assert_eq!(s.get("/api/v1/me", &ro)["username"], "ro71");
    let peak = s.peak_mb();
    assert!(peak < 1024, "the server reached {peak} MB");
    let a = s.get("/api/v1/acs/71", &ro);
    let register = s.get("/api/v1/acs/71/etpbs-register", &ro);
    let good = scan_batch(&[("form-13b", form_13b(&a, &register[0]))], None);
    let doc = s.upload_read(71, &ro, "good.pdf", &good);
    assert_eq!(doc["status"], "done", "{doc}");
    assert_eq!(doc["pages"][0]["form"], "form-13b", "{doc}");
}

/// A grey JPEG of random noise.
fn noise_jpeg(side: u32) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(7);
    let img = image::GrayImage::from_fn(side, side, |_, _| image::Luma([rng.u8(..)]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A PNG tiled with QR finder patterns (7 × 7 modules, 1:1:3:1:1).
fn capstones_png(tiles: u32, module: u32) -> Vec<u8> {
    let cell = 8 * module;
    let img = image::GrayImage::from_fn(tiles * cell, tiles * cell, |x, y| {
        let (mx, my) = ((x % cell) / module, (y % cell) / module);
        // Distance in modules to the pattern's edge: dark ring, light
        // ring, dark centre; the eighth module is the light gap.
        let dark = mx < 7 && my < 7 && mx.min(my).min(6 - mx).min(6 - my) != 1;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// One born-digital page that draws a small image over the whole page
/// `times` times: within every bound on the file (a 4 KB image, 60 KB of
/// drawing), little memory, but every pixel of the page sampled again each
/// time (2,000 times is ten seconds of a release build's renderer).
fn repainted_page(times: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(3);
    let noise: Vec<u8> = (0..64 * 64).map(|_| rng.u8(..)).collect();
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream(
            "/Filter /FlateDecode",
            &deflate(&b"q 595 0 0 842 0 0 cm /Im0 Do Q\n".repeat(times)),
        ),
        stream(
            "/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray /BitsPerComponent 8",
            &noise,
        ),
    ];
    pdf(&objects)
}

#[test]
fn a_page_past_its_time_budget_fails_alone_and_others_are_read() {
    let tmp = TempDir::new("hostile-time");
    let data = tmp.0.join("data");
    let mut env = storage_env(&data);
    env.push(("SCRUTINY_PAGE_SECONDS", "3".into()));
    let s = Server::start_with(
        &data,
        "127.0.0.1:0",
        env,
        &["--demo", "--no-demo-scans", "--workers", "1"],
    );
    let (ro71, ro72) = (s.login("ro71", "demo-ro71"), s.login("ro72", "demo-ro72"));
    let (st, slow) = s.upload(71, &ro71, "slow.pdf", &repainted_page(2_000));
    assert_eq!(st, 201, "{slow}");
    let (st, noise) = s.upload(71, &ro71, "noise.jpg", &noise_jpeg(4000));
    assert_eq!(st, 201, "{noise}");
    let (st, tiles) = s.upload(71, &ro71, "tiles.png", &capstones_png(40, 6));
    assert_eq!(st, 201, "{tiles}");
    let a = s.get("/api/v1/acs/72", &ro72);
    let register = s.get("/api/v1/acs/72/etpbs-register", &ro72);
    let one = scan_batch(&[("form-13b", form_13b(&a, &register[0]))], None);
    let (st, one) = s.upload(72, &ro72, "one.pdf", &one);
    assert_eq!(st, 201, "{one}");

    // The page that paints for hours is stopped at its budget and failed
    // with the reason.
    let slow = s.wait_done(slow["id"].as_i64().unwrap(), &ro71);
    let page = &slow["pages"][0];
    assert_eq!(page["status"], "failed", "{slow}");
    let error = page["error"].as_str().unwrap_or_default();
    assert!(error.contains("processor time"), "{error}");
    // The other AC's form is read in full; noise and a page tiled with QR
    // finder patterns are read (as no form of ours) within the budget.
    let one = s.wait_done(one["id"].as_i64().unwrap(), &ro72);
    assert_eq!(one["pages"][0]["form"], "form-13b", "{one}");
    for doc in [noise, tiles] {
        let doc = s.wait_done(doc["id"].as_i64().unwrap(), &ro71);
        assert_ne!(doc["pages"][0]["status"], "failed", "{doc}");
        assert!(doc["pages"][0]["form"].is_null(), "{doc}");
    }
    assert!(s.peak_mb() < 1024);
    assert_eq!(s.get("/api/v1/me", &ro71)["username"], "ro71");
}
