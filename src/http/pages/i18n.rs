//! Every label of the pages in English and Hindi. A label is a field of
//! [`Texts`], filled for both languages by one macro, so a label cannot
//! exist in one language only: leaving out a translation does not compile.
//! A rule's refusal is headed by what the rule means, in the page's
//! language ([`Texts::rule`]); the library's message under it, with the
//! particulars, stays English.

use serde::Serialize;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Hi,
}

impl Lang {
    /// `en` or `hi`, as in `?lang=` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Hi => "hi",
        }
    }

    /// Parses `en` or `hi`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "en" => Some(Lang::En),
            "hi" => Some(Lang::Hi),
            _ => None,
        }
    }

    /// The labels of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Hi => &HI,
        }
    }
}

macro_rules! texts {
    ($($key:ident: $en:expr, $hi:expr;)*) => {
        /// The labels of the pages, one field each.
        #[derive(Debug, Serialize)]
        pub struct Texts {
            $(pub $key: &'static str,)*
        }
        /// English.
        pub static EN: Texts = Texts { $($key: $en,)* };
        /// Hindi.
        pub static HI: Texts = Texts { $($key: $hi,)* };
    };
}

texts! {
    app_name: "Scrutiny", "स्क्रूटनी";
    skip: "Skip to content", "मुख्य सामग्री पर जाएँ";
    offline_banner: "Offline since {at} — {n} changes waiting. Work goes on here; they go to central by themselves when the link returns.", "{at} से ऑफ़लाइन — {n} बदलाव प्रतीक्षा में। काम यहाँ जारी रहता है; लिंक लौटने पर वे अपने आप केंद्र को जाएँगे।";
    log_head: "Keep this to prove later that nothing was removed: `scrutiny archive verify --head HASH`. Archive log head, entry", "बाद में यह सिद्ध करने के लिए कि कुछ हटाया नहीं गया, इसे सँभालकर रखें: `scrutiny archive verify --head HASH`। अभिलेख लॉग का शीर्ष, प्रविष्टि";
    hall_silent: "hall {node} not heard from since {at}", "हॉल {node} से {at} से कोई संपर्क नहीं";
    nav_upload: "Upload", "अपलोड";
    nav_counting: "Counting", "मतगणना";
    nav_review: "Review", "समीक्षा";
    nav_progress: "Progress", "प्रगति";
    nav_results: "Results", "परिणाम";
    nav_archive: "Archive", "अभिलेखागार";
    language: "Language", "भाषा";
    sign_in: "Sign in", "साइन इन करें";
    sign_out: "Sign out", "साइन आउट";
    signed_in_as: "Signed in", "साइन इन";
    username: "Username", "उपयोगकर्ता नाम";
    password: "Password", "पासवर्ड";
    wrong_credentials: "Wrong username or password.", "उपयोगकर्ता नाम या पासवर्ड गलत है।";
    sign_in_help: "Sign in with the account the district gave you. Results are public and need no sign-in.", "ज़िले द्वारा दिए गए खाते से साइन इन करें। परिणाम सार्वजनिक हैं, उनके लिए साइन इन आवश्यक नहीं।";
    all_acs: "all constituencies", "सभी निर्वाचन क्षेत्र";
    role_admin: "Administrator", "प्रशासक";
    role_ro: "Returning Officer", "रिटर्निंग अधिकारी";
    role_operator: "Operator", "ऑपरेटर";
    role_observer: "Observer", "प्रेक्षक";
    ac: "AC", "क्षेत्र";
    constituency: "Constituency", "निर्वाचन क्षेत्र";
    show: "Show", "दिखाएँ";
    none_yet: "Nothing yet.", "अभी कुछ नहीं।";
    error_title: "This cannot be done", "यह नहीं हो सकता";
    back: "Back", "वापस";

    upload_title: "Upload scans", "स्कैन अपलोड करें";
    upload_help: "Drop PDF, JPEG, PNG or TIFF files here, or choose them. Each file is read and checked as soon as it arrives; a file sent twice is stored once.", "PDF, JPEG, PNG या TIFF फ़ाइलें यहाँ छोड़ें, या चुनें। हर फ़ाइल पहुँचते ही पढ़ी और जाँची जाती है; दो बार भेजी गई फ़ाइल एक ही बार रखी जाती है।";
    choose_files: "Choose files", "फ़ाइलें चुनें";
    drop_here: "Drop files here", "फ़ाइलें यहाँ छोड़ें";
    file: "File", "फ़ाइल";
    status: "Status", "स्थिति";
    pages: "Pages", "पृष्ठ";
    findings: "Findings", "निष्कर्ष";
    st_sending: "sending", "भेजी जा रही है";
    st_queued: "queued", "कतार में";
    st_processing: "reading", "पढ़ी जा रही है";
    st_done: "done", "पूर्ण";
    st_failed: "failed", "विफल";
    st_refused: "refused", "अस्वीकृत";
    st_retrying: "connection lost, trying again", "कनेक्शन टूटा, फिर से भेज रहे हैं";
    st_duplicate: "already uploaded", "पहले से अपलोड";
    this_batch: "This batch", "यह बैच";
    recent_uploads: "Uploads of this constituency", "इस क्षेत्र के अपलोड";
    uploaded_by: "Uploaded by", "अपलोडकर्ता";
    uploaded_at: "Uploaded at", "अपलोड समय";
    open_findings: "Open findings", "खुले निष्कर्ष";
    owed: "Still owed", "अभी बकाया";

    round: "Round", "चक्र";
    rounds: "Rounds", "चक्र";
    table: "Table", "टेबल";
    row: "Row", "पंक्ति";
    ps_no: "PS no.", "मतदान केंद्र सं.";
    total: "Total", "कुल";
    entry_help: "Type each figure and Tab to the next. Enter saves the table and moves to the next one. Leave a table empty when its EVM is not counted this round.", "हर आँकड़ा लिखें और Tab से अगले पर जाएँ। Enter टेबल सहेजता है और अगली पर ले जाता है। जिस टेबल की EVM इस चक्र में नहीं गिनी गई, उसे खाली छोड़ें।";
    saved: "saved", "सहेजा गया";
    fill_all: "Fill in the PS number and every candidate's figure, or leave the whole table empty.", "मतदान केंद्र संख्या और हर उम्मीदवार का आँकड़ा भरें, या पूरी टेबल खाली छोड़ें।";
    too_large: "larger than the upload limit", "अपलोड सीमा से बड़ी";
    not_saved: "not saved", "नहीं सहेजा";
    confirm_large: "{what}: {n} is more than 1,500, the most electors a polling station may have. Save it anyway?", "{what}: {n} 1,500 से अधिक है, जो किसी मतदान केंद्र के अधिकतम मतदाता हैं। फिर भी सहेजें?";
    large_not_saved: "not saved; correct the figure, or press Enter to be asked again", "नहीं सहेजा; आँकड़ा सुधारें, या फिर से पूछे जाने के लिए Enter दबाएँ";
    draft: "draft", "प्रारूप";
    approved: "approved", "अनुमोदित";
    published: "published", "प्रकाशित";
    approve: "Approve round", "चक्र अनुमोदित करें";
    publish: "Publish round", "चक्र प्रकाशित करें";
    print_sheet: "Print round sheet", "चक्र पत्रक छापें";
    revision: "Revision", "संशोधन";
    edit_warning: "Changing this round sends these rounds back to draft, to be approved and published again; sheets printed for them become stale:", "इस चक्र में बदलाव करने पर ये चक्र वापस प्रारूप में चले जाएँगे और फिर से अनुमोदित व प्रकाशित करने होंगे; उनके छपे पत्रक पुराने हो जाएँगे:";
    confirm_edit: "This round is approved or published. Change it and send the rounds named above back to draft?", "यह चक्र अनुमोदित या प्रकाशित है। इसे बदलकर ऊपर लिखे चक्रों को वापस प्रारूप में भेजें?";
    read_only: "You may read this round but not change it.", "आप यह चक्र देख सकते हैं, बदल नहीं सकते।";
    to_correct: "Entries to correct: an operator confirmed the scan", "सुधारनी हैं ये प्रविष्टियाँ: ऑपरेटर ने स्कैन को सही पाया";
    ro_only: "Only the Returning Officer approves and publishes.", "केवल रिटर्निंग अधिकारी अनुमोदित और प्रकाशित करते हैं।";
    candidate: "Candidate", "उम्मीदवार";
    party: "Party", "दल";
    postal: "Postal", "डाक";

    review_title: "Review", "समीक्षा";
    left_to_review: "Left to review", "समीक्षा हेतु शेष";
    scan_value: "Read from the scan", "स्कैन से पढ़ा गया";
    entered_value: "Entered", "दर्ज किया गया";
    confidence: "Confidence", "विश्वास";
    whole_page: "Open the whole page", "पूरा पृष्ठ खोलें";
    decide_scan: "Scan is correct", "स्कैन सही है";
    decide_entry: "Entry is correct", "प्रविष्टि सही है";
    decide_rescan: "Rescan", "फिर से स्कैन करें";
    decide_signed: "Signed", "हस्ताक्षरित है";
    decide_not_signed: "Not signed", "हस्ताक्षर नहीं है";
    decide_accept: "Accept the cover", "कवर स्वीकार करें";
    decide_reject: "Reject the cover", "कवर अस्वीकार करें";
    recommend_to_ro: "recommend to the RO", "आरओ को सिफ़ारिश";
    keys_help: "Press the key shown on a button to decide; the next finding follows at once.", "निर्णय के लिए बटन पर दिखाई गई कुंजी दबाएँ; अगला निष्कर्ष तुरंत आएगा।";
    undo_last: "Undo the last decision", "पिछला निर्णय वापस लें";
    skip_finding: "Skip", "छोड़ें";
    keys_title: "Keys", "कुंजियाँ";
    keys_more: "? shows every key.", "? सभी कुंजियाँ दिखाता है।";
    next_upload: "Upload the next scans", "अगले स्कैन अपलोड करें";
    next_progress: "See what each AC still owes", "देखें कि हर क्षेत्र का क्या बाकी है";
    value_read: "What the scan shows", "स्कैन में क्या दिखता है";
    value_read_help: "Type the figure you read on the scan, then press S or Enter.", "स्कैन में पढ़ा आँकड़ा लिखें, फिर S या Enter दबाएँ।";
    note: "Note", "टिप्पणी";
    note_required: "The Returning Officer decides this, with a note saying why.", "इसका निर्णय रिटर्निंग अधिकारी टिप्पणी के साथ करते हैं।";
    recommended: "Recommended", "सिफ़ारिश";
    awaits_ro: "Waiting for the Returning Officer", "रिटर्निंग अधिकारी के निर्णय की प्रतीक्षा";
    settle_themselves: "Settle by themselves when the right document arrives", "सही दस्तावेज़ आने पर अपने आप सुलझेंगे";
    rule_54a_ro: "Only the Returning Officer may reverse a Rule 54A rejection: your view goes to the RO.", "नियम 54क की अस्वीकृति केवल रिटर्निंग अधिकारी पलट सकते हैं: आपकी राय आरओ को जाएगी।";
    nothing_to_review: "Nothing left to review.", "समीक्षा के लिए कुछ शेष नहीं।";
    field: "Field", "फ़ील्ड";
    postal_title: "Postal desk", "डाक डेस्क";
    nav_postal: "Postal", "डाक";
    register_imported: "The ETPBS register is imported.", "ETPBS रजिस्टर आयात हो गया।";
    tally_saved: "The postal tally is saved.", "डाक गणना सहेजी गई।";
    in_register: "In the ETPBS register", "ETPBS रजिस्टर में";
    not_uploaded_yet: "Not uploaded yet", "अभी अपलोड नहीं";
    not_in_register: "Scanned, not in the register", "स्कैन हुए, रजिस्टर में नहीं";
    postal_tally: "Postal tally", "डाक मत गणना";
    rejected_papers: "Rejected ballot papers", "अस्वीकृत मतपत्र";
    rejected_covers: "Rejected covers (Form 13C)", "अस्वीकृत कवर (प्रपत्र 13ग)";
    reconcile_help: "The valid votes and rejected papers must add up to the covers accepted from the scans, and the rejected covers equal those rejected.", "वैध मत और अस्वीकृत मतपत्र मिलकर स्कैन से स्वीकृत कवरों के बराबर हों, और अस्वीकृत कवर अस्वीकृत कवरों के बराबर।";
    reconcile_holds: "Reconciles: {a} accepted covers = {v} valid votes + {p} rejected papers; {r} rejected covers.", "मेल खाता है: {a} स्वीकृत कवर = {v} वैध मत + {p} अस्वीकृत मतपत्र; {r} अस्वीकृत कवर।";
    reconcile_fails: "Does not reconcile: {a} covers accepted but {c} votes and rejected papers entered; {r} covers rejected but {e} entered.", "मेल नहीं खाता: {a} कवर स्वीकृत पर {c} मत व अस्वीकृत मतपत्र दर्ज; {r} कवर अस्वीकृत पर {e} दर्ज।";
    reconcile_waits: "Not every ballot of the register is settled yet: the reconciliation holds once they are.", "रजिस्टर के सभी मतपत्र अभी निपटे नहीं: उनके निपटने पर मिलान होगा।";
    save_tally: "Save the postal tally", "डाक गणना सहेजें";
    import_register: "Import the ETPBS register", "ETPBS रजिस्टर आयात करें";
    register_help: "A CSV with one row per ballot received: ballot_id, postal_ballot_serial_no, part_no, elector_serial_no (a first row naming the columns is optional). It replaces the register.", "प्राप्त हर मतपत्र की एक पंक्ति वाली CSV: ballot_id, postal_ballot_serial_no, part_no, elector_serial_no (स्तंभ नामों की पहली पंक्ति वैकल्पिक)। यह रजिस्टर को बदल देती है।";
    import: "Import", "आयात करें";
    register_file: "The register's CSV file", "रजिस्टर की CSV फ़ाइल";
    ballots: "Ballots", "मतपत्र";
    no_register: "No register yet: import it from the ETPBS CSV.", "अभी रजिस्टर नहीं: ETPBS CSV से आयात करें।";
    scans: "Scans", "स्कैन";
    documents_with_findings: "Documents with open findings", "खुले निष्कर्षों वाले दस्तावेज़";
    last_updated: "Last updated", "अंतिम अद्यतन";
    refused_uploads: "Refused uploads", "अस्वीकृत अपलोड";
    why_refused: "Why", "कारण";
    r_unsupported_type: "Not a scan Scrutiny reads", "ऐसा स्कैन नहीं जिसे स्क्रूटनी पढ़ता है";
    r_malformed_pdf: "A broken PDF", "टूटी हुई PDF";
    r_encrypted_pdf: "A PDF locked by a password", "पासवर्ड से बंद PDF";
    r_unsupported_encoding: "An image encoding not handled", "ऐसी छवि एन्कोडिंग जो समर्थित नहीं";
    r_malformed_image: "A broken image", "टूटी हुई छवि";
    r_too_large: "Too large", "बहुत बड़ी";
    r_empty: "An empty file", "खाली फ़ाइल";
    r_other: "Refused", "अस्वीकृत";
    f_votes: "Votes on the round sheet", "राउंड पत्रक पर मत";
    settle_together: "Settle together", "एक साथ निपटाएँ";
    settled_together: "{n} findings settled together.", "{n} निष्कर्ष एक साथ निपटाए गए।";
    grid_help: "Every cut-out is ticked. Untick the exceptions (arrow keys move, Space unticks), then press the decision's key: it settles the ticked ones; the exceptions stay in the queue, one at a time.", "हर कट-आउट पर सही का निशान है। अपवादों का निशान हटाएँ (तीर कुंजियाँ चलती हैं, Space निशान हटाता है), फिर निर्णय की कुंजी दबाएँ: निशान वाले निपट जाएँगे; अपवाद कतार में एक-एक करके रहेंगे।";
    grid_more: "The first {n} are shown; the rest follow after these are settled.", "पहले {n} दिखाए गए हैं; इनके निपटने पर बाकी आएँगे।";
    picked: "Ticked", "चुने गए";
    none_picked: "Tick at least one cut-out.", "कम से कम एक कट-आउट चुनें।";
    the_ticked: "the ticked ones", "चुने गए सभी";
    kind_of_finding: "Kind", "प्रकार";
    every_kind: "Every kind", "सभी प्रकार";
    filter: "Filter", "छाँटें";
    clear_filter: "Remove this filter", "यह छँटाई हटाएँ";
    all_findings: "Every open finding", "सभी खुले निष्कर्ष";
    f_elector_signed: "Elector's signature", "निर्वाचक के हस्ताक्षर";
    f_attested: "Attestation", "सत्यापन";
    f_ro_signed: "RO's signature", "आरओ के हस्ताक्षर";
    f_serial: "Postal ballot serial no.", "डाक मतपत्र क्रम सं.";
    count_serial: "Serial at the count (Form 13C)", "गणना पर क्रम सं. (प्ररूप 13ग)";
    f_qr_code: "QR code", "क्यूआर कोड";
    f_part_no: "Part no.", "भाग सं.";
    f_elector_serial: "Elector's serial no.", "निर्वाचक क्रम सं.";
    f_ac_no: "AC no.", "क्षेत्र सं.";
    f_ac_name: "AC name", "क्षेत्र का नाम";
    f_elector_name: "Elector's name", "निर्वाचक का नाम";
    f_ballot_id: "Ballot id (QR code)", "मतपत्र पहचान (क्यूआर कोड)";
    ink_found: "Ink found", "स्याही मिली";
    no_ink: "No ink", "स्याही नहीं";
    document: "Document", "दस्तावेज़";
    page: "Page", "पृष्ठ";
    ballot: "Ballot", "मतपत्र";
    k_mismatch: "Figures differ", "आँकड़े भिन्न हैं";
    k_unreadable: "Cannot be read", "पढ़ा नहीं जा सका";
    k_duplicate: "Uploaded twice", "दो बार अपलोड";
    k_serial_mismatch: "Serial numbers differ", "क्रम संख्या भिन्न है";
    k_unsigned: "Not signed", "हस्ताक्षर नहीं";
    k_unattested: "Not attested", "सत्यापन नहीं";
    k_not_in_register: "Not in the ETPBS register", "ETPBS रजिस्टर में नहीं";
    k_stale: "Sheet of an older revision", "पुराने संशोधन का पत्रक";
    k_missing_pair: "13A or 13B missing", "13A या 13B अनुपलब्ध";
    k_qr_mismatch: "QR codes disagree", "क्यूआर कोड आपस में भिन्न";
    k_reconciliation: "Postal figures do not reconcile", "डाक आँकड़े मेल नहीं खाते";
    k_margin_below_rejected: "Margin below rejected postal ballots", "अंतर अस्वीकृत डाक मतपत्रों से कम";
    k_vvpat_mismatch: "VVPAT slips differ from the EVM", "वीवीपैट पर्चियाँ ईवीएम से भिन्न";
    c_postal_entered: "The postal tally is entered", "डाक मत गणना दर्ज है";
    c_ballots_uploaded: "Every ballot of the register is scanned", "रजिस्टर का हर मतपत्र स्कैन हुआ";
    c_ballots_settled: "No postal ballot waits for review", "कोई डाक मतपत्र समीक्षा की प्रतीक्षा में नहीं";
    c_postal_reconciles: "The covers reconcile with the tally", "कवर गणना से मेल खाते हैं";
    c_postal_validated: "The RO validated the postal entry", "आरओ ने डाक प्रविष्टि सत्यापित की";
    c_rounds_published: "Every round is published", "हर चक्र प्रकाशित है";
    c_vvpat_drawn: "The VVPAT stations are drawn by lot", "वीवीपैट मतदान केंद्र लॉटरी से चुने गए";
    c_vvpat_counted: "Their VVPAT slips are counted", "उनकी वीवीपैट पर्चियाँ गिनी गईं";
    c_vvpat_settled: "Every slip difference is settled by the RO", "पर्चियों का हर अंतर आरओ ने निपटाया";
    c_reverified: "Rejected postal ballots verified again where the margin requires", "जहाँ अंतर कम हो वहाँ अस्वीकृत डाक मतपत्रों का पुनः सत्यापन";
    c_no_tie: "The top two candidates are not tied", "शीर्ष दो अभ्यर्थियों में बराबरी नहीं";
    r_ac_exists: "This AC number is taken.", "यह विधानसभा क्षेत्र संख्या पहले से है।";
    r_user_exists: "This user name is taken.", "यह उपयोगकर्ता नाम पहले से है।";
    r_finding_not_open: "This finding was decided or no longer holds.", "इस निष्कर्ष पर निर्णय हो चुका है या यह अब लागू नहीं है।";
    r_no_decision: "No decision settles this finding: it settles by itself.", "इस निष्कर्ष का निर्णय नहीं होता: यह अपने आप सुलझता है।";
    r_decision_does_not_fit: "This decision does not fit the finding.", "यह निर्णय इस निष्कर्ष पर लागू नहीं होता।";
    r_not_empty: "The database already holds an election.", "डेटाबेस में पहले से एक निर्वाचन है।";
    r_postal_first: "From the second-last round on, rounds wait for the validated postal entry.", "उपांतिम चक्र से आगे के चक्र सत्यापित डाक प्रविष्टि की प्रतीक्षा करते हैं।";
    r_ps_counted: "This polling station's EVM is already entered.", "इस मतदान केंद्र की ईवीएम पहले ही दर्ज है।";
    r_result_declared: "The result is declared: no count changes.", "परिणाम घोषित हो चुका है: कोई गणना नहीं बदलती।";
    r_round_empty: "The round has no table entered.", "इस चक्र में कोई टेबल दर्ज नहीं है।";
    r_round_not_approved: "Only an approved round may be published.", "केवल अनुमोदित चक्र प्रकाशित हो सकता है।";
    r_round_not_draft: "Only a draft round may be approved.", "केवल प्रारूप चक्र अनुमोदित हो सकता है।";
    r_round_order: "Rounds are published in order.", "चक्र क्रम से प्रकाशित होते हैं।";
    r_round_published: "The round is published already.", "यह चक्र पहले ही प्रकाशित है।";
    r_rounds_unpublished: "Some round is not published yet.", "कोई चक्र अभी प्रकाशित नहीं है।";
    r_tie: "The leading candidates are tied.", "आगे चल रहे अभ्यर्थी बराबरी पर हैं।";
    r_uploaded_elsewhere: "These bytes were uploaded to another AC.", "यह फ़ाइल किसी अन्य विधानसभा क्षेत्र में अपलोड हुई है।";
    r_no_votes: "Nobody has a vote yet.", "अभी किसी को कोई मत नहीं मिला।";
    r_ac_owned_by_node: "A counting-hall node keeps this AC: it changes there.", "यह क्षेत्र एक मतगणना-हॉल नोड के पास है: बदलाव वहीं होते हैं।";
    r_ac_handed_over: "Central handed this AC to another place.", "केंद्र ने यह क्षेत्र किसी अन्य स्थान को सौंप दिया है।";
    r_node_exists: "This node name is taken.", "यह नोड नाम पहले से है।";
    r_postal_not_ready: "The postal entry cannot be validated yet.", "डाक प्रविष्टि अभी सत्यापित नहीं हो सकती।";
    r_not_ready: "The result cannot be declared yet.", "परिणाम अभी घोषित नहीं हो सकता।";
    r_not_drawn: "This polling station was not drawn for VVPAT verification.", "यह मतदान केंद्र वीवीपैट सत्यापन के लिए नहीं निकला।";
    r_slips_counted: "Slips are counted: the VVPAT draw is final.", "पर्चियाँ गिनी जा चुकी हैं: वीवीपैट ड्रॉ अंतिम है।";
    r_not_declared: "The result is not declared yet.", "परिणाम अभी घोषित नहीं हुआ है।";
    r_total_differs: "The total typed is not the sum of the votes.", "टाइप किया गया योग मतों का जोड़ नहीं है।";
    r_exceeds_electors: "The votes exceed the polling station's electors.", "मत मतदान केंद्र के मतदाताओं से अधिक हैं।";
    holds: "Holds", "पूरा";
    missing: "Missing", "बाकी";
    postal_validation: "The RO's validation of the postal entry", "डाक प्रविष्टि का आरओ सत्यापन";
    validation_help: "The RO validates the postal entry once every ballot of the register is scanned and settled and the covers reconcile. The second-last round waits for it; a later correction of the tally reopens it.", "रजिस्टर का हर मतपत्र स्कैन व निपटने और कवरों के मेल खाने पर आरओ डाक प्रविष्टि सत्यापित करते हैं। अंतिम से पहले का चक्र इसकी प्रतीक्षा करता है; गणना में बाद का सुधार इसे फिर खोल देता है।";
    validate_postal: "Validate the postal entry", "डाक प्रविष्टि सत्यापित करें";
    validated_by: "Validated by {by} at {at}.", "{by} द्वारा {at} पर सत्यापित।";
    postal_validated_saved: "The postal entry is validated.", "डाक प्रविष्टि सत्यापित हो गई।";
    vvpat_title: "VVPAT verification", "वीवीपैट सत्यापन";
    vvpat_help: "The RO records the polling stations drawn by lot (five, or every counted station when fewer), then the slips counted for each candidate. Where slips and EVM differ, the slips count in the result.", "आरओ लॉटरी से चुने गए मतदान केंद्र (पाँच, या कम गिने गए हों तो सभी) दर्ज करते हैं, फिर हर अभ्यर्थी की गिनी गई पर्चियाँ। जहाँ पर्चियाँ और ईवीएम भिन्न हों, परिणाम में पर्चियाँ गिनी जाती हैं।";
    vvpat_draw: "Stations drawn by lot", "लॉटरी से चुने गए केंद्र";
    ps_numbers: "Polling station numbers, separated by commas", "मतदान केंद्र संख्याएँ, अल्पविराम से अलग";
    record_draw: "Record the draw", "चयन दर्ज करें";
    draw_final: "The draw is final once slips are counted.", "पर्चियाँ गिनने के बाद चयन अंतिम है।";
    slips: "Slips", "पर्चियाँ";
    save_slips: "Save the slips", "पर्चियाँ सहेजें";
    agrees: "Agrees with the EVM", "ईवीएम से मेल";
    differs: "Differs: the slips count", "भिन्न: पर्चियाँ गिनी जाएँगी";
    not_counted: "Not counted yet", "अभी नहीं गिनी गईं";
    not_drawn_yet: "No station is drawn yet.", "अभी कोई केंद्र नहीं चुना गया।";
    draw_saved: "The draw is recorded.", "चयन दर्ज हुआ।";
    slips_saved: "The slips are saved.", "पर्चियाँ सहेजी गईं।";
    end_of_count: "The end of the count", "गणना का समापन";
    declaration_help: "The result is declared once every condition below holds.", "नीचे की हर शर्त पूरी होने पर परिणाम घोषित होता है।";
    declare: "Declare the result", "परिणाम घोषित करें";
    declared_on: "Declared at {at}.", "{at} पर घोषित।";
    declared_saved: "The result is declared.", "परिणाम घोषित हुआ।";
    reverification: "Re-verification of rejected postal ballots", "अस्वीकृत डाक मतपत्रों का पुनः सत्यापन";
    reverify_help: "The margin is smaller than the rejected postal ballots: verify each again, and confirm or reverse it with a reason.", "अंतर अस्वीकृत डाक मतपत्रों से कम है: हर एक को फिर जाँचें, और कारण सहित पुष्टि करें या उलटें।";
    rejected_papers_item: "The ballot papers rejected at the count (together)", "गणना में अस्वीकृत मतपत्र (एक साथ)";
    verdict: "Verdict", "निर्णय";
    v_confirmed: "Rejection confirmed", "अस्वीकृति पुष्ट";
    v_reversed: "Rejection reversed: it counts", "अस्वीकृति उलटी: मत गिना जाएगा";
    reason: "Reason", "कारण";
    record_verdict: "Record", "दर्ज करें";
    verdict_saved: "The verdict is recorded.", "निर्णय दर्ज हुआ।";
    form20: "Form 20 (final result sheet)", "प्रपत्र 20 (अंतिम परिणाम पत्रक)";
    form20_csv: "Form 20 as CSV", "प्रपत्र 20 CSV में";
    form20_pdf: "Form 20 to print and sign", "प्रपत्र 20 छापने और हस्ताक्षर के लिए";
    form21c: "Form 21C (declaration)", "प्रपत्र 21ग (घोषणा)";
    form21e: "Form 21E (return of election)", "प्रपत्र 21ङ (निर्वाचन की विवरणी)";
    form22: "Form 22 (certificate of election)", "प्रपत्र 22 (निर्वाचन प्रमाणपत्र)";
    polling_station: "Polling station", "मतदान केंद्र";
    total_valid: "Total valid votes", "कुल वैध मत";
    rejected_votes: "Rejected", "अस्वीकृत";
    tendered: "Tendered", "निविदत्त";
    tendered_help: "Tendered votes of the station (Rule 49P, Form 17C Part I), if any; leave empty when not recorded", "केंद्र के निविदत्त मत (नियम 49त, प्रपत्र 17ग भाग I), यदि हों; दर्ज न हों तो खाली छोड़ें";
    rejected_help: "Votes on the EVM counted for no candidate (test votes under Rule 49MA, a mock poll not cleared; Form 17C Part I), if any; leave empty when not recorded", "ईवीएम पर वे मत जो किसी अभ्यर्थी को नहीं गिने गए (नियम 49MA के परीक्षण मत, न हटाया गया मॉक पोल; प्रपत्र 17ग भाग I), यदि हों; दर्ज न हों तो खाली छोड़ें";
    evm_votes: "Votes on EVMs", "ईवीएम पर मत";
    all_votes: "Total votes polled", "कुल डाले गए मत";
    counted_by_slips: "Polling stations counted by their VVPAT slips: {ps}.", "वीवीपैट पर्चियों से गिने गए मतदान केंद्र: {ps}।";
    form20_help: "Per polling station the votes of every candidate over the published rounds; an empty cell is a figure not recorded.", "प्रकाशित चक्रों में हर मतदान केंद्र पर हर अभ्यर्थी के मत; खाली खाना ऐसा आँकड़ा है जो दर्ज नहीं हुआ।";

    progress_title: "Completion", "पूर्णता";
    expected: "Expected", "अपेक्षित";
    uploaded: "Uploaded", "अपलोड";
    verified: "Verified", "सत्यापित";
    district: "District", "ज़िला";
    state: "State", "राज्य";
    ro: "RO", "आर.ओ.";
    behind: "behind", "पीछे";
    on_track: "on track", "प्रगति पर";
    complete: "complete", "पूर्ण";
    by_district: "By district", "ज़िलेवार";
    by_ac: "By constituency", "क्षेत्रवार";
    auto_refresh: "Refreshes by itself every 5 seconds.", "हर 5 सेकंड में अपने-आप अद्यतन।";
    updated: "Updated", "अद्यतन";
    sort_by: "Order", "क्रम";
    sort_number: "by number", "संख्या से";
    sort_behind: "furthest behind first", "सबसे पीछे पहले";
    previous: "previous", "पिछला";
    next: "next", "अगला";
    of: "of", "में से";
    legend: "Green: everything verified. Amber: on track. Red: behind — 10 points or more under the state as a whole, or nothing verified by 10:00.", "हरा: सब सत्यापित। पीला: प्रगति पर। लाल: पीछे — पूरे राज्य से 10 अंक या अधिक कम, या 10:00 तक कुछ भी सत्यापित नहीं।";
    ballots_here: "Postal ballots on these pages", "इन पृष्ठों के डाक मतपत्र";
    grid_read: "every figure of the table", "तालिका का हर आँकड़ा";
    verified_by_agreement: "Verified: agrees with the register", "सत्यापित: रजिस्टर से मेल खाता है";
    resolved: "settled by a later upload or entry", "बाद के अपलोड या प्रविष्टि से सुलझा";
    accepted: "Accepted", "स्वीकृत";
    rejected: "Rejected", "अस्वीकृत";
    needs_review: "Needs review", "समीक्षा आवश्यक";
    open_document: "open", "खोलें";
    and_more: "and {n} more: the whole list", "और {n} अन्य: पूरी सूची";
    download_csv: "Download as CSV", "CSV के रूप में डाउनलोड करें";

    results_title: "Results", "परिणाम";
    leading: "Leading", "आगे";
    won: "Won", "विजयी";
    by_party: "Party by party: won and leading", "दलवार: विजयी और आगे";
    vote_share: "Share", "मत प्रतिशत";
    by_round: "Round by round", "चक्रवार";
    by_round_help: "One column per published round; scroll sideways for the later rounds, the names stay.", "हर प्रकाशित चक्र का एक स्तंभ; बाद के चक्रों के लिए बगल में स्क्रॉल करें, नाम स्थिर रहते हैं।";
    runner_up: "Runner-up", "दूसरे स्थान पर";
    margin: "Margin", "अंतर";
    rounds_published: "Rounds published", "प्रकाशित चक्र";
    votes: "Votes", "मत";
    evm: "EVM", "ईवीएम";
    trend: "Lead after each round", "हर चक्र के बाद बढ़त";
    tie: "Tie", "बराबरी";
    final_result: "Final", "अंतिम";
    declared: "Declared", "घोषित";
    no_published: "No round is published yet.", "अभी कोई चक्र प्रकाशित नहीं हुआ।";
    published_only: "Only published rounds are shown.", "केवल प्रकाशित चक्र दिखाए गए हैं।";

    archive_title: "Certificates of election", "निर्वाचन प्रमाणपत्र";
    search: "Search", "खोजें";
    search_help: "AC number or name, winner, party or certificate id", "क्षेत्र संख्या या नाम, विजेता, दल या प्रमाणपत्र संख्या";
    winner: "Winner", "विजेता";
    certificate: "Certificate", "प्रमाणपत्र";
    download: "Download", "डाउनलोड करें";
    open: "Open", "खोलें";
    not_verified: "not verified", "असत्यापित";
    not_uploaded: "not uploaded", "अपलोड नहीं";
    superseded: "superseded by a later copy", "बाद की प्रति से प्रतिस्थापित";
    no_match: "No certificate matches.", "कोई प्रमाणपत्र नहीं मिला।";
    sha_help: "Compute the SHA-256 of the downloaded file (sha256sum FILE) and compare: the same value means the file is unaltered.", "डाउनलोड की गई फ़ाइल का SHA-256 (sha256sum FILE) निकालकर मिलाएँ: समान मान का अर्थ है कि फ़ाइल अपरिवर्तित है।";
    failed_checks: "What failed", "क्या विफल हुआ";
}

impl Texts {
    /// The label of a round status word.
    pub fn round_status(&self, status: &str) -> &'static str {
        match status {
            "approved" => self.approved,
            "published" => self.published,
            _ => self.draft,
        }
    }

    /// The label of a role.
    pub fn role(&self, role: crate::accounts::Role) -> &'static str {
        use crate::accounts::Role;
        match role {
            Role::Admin => self.role_admin,
            Role::Ro => self.role_ro,
            Role::Operator => self.role_operator,
            Role::Observer => self.role_observer,
        }
    }

    /// The label of a condition of the end of the count.
    pub fn condition(&self, c: crate::counting::ready::Condition) -> &'static str {
        use crate::counting::ready::Condition as C;
        match c {
            C::PostalEntered => self.c_postal_entered,
            C::BallotsUploaded => self.c_ballots_uploaded,
            C::BallotsSettled => self.c_ballots_settled,
            C::PostalReconciles => self.c_postal_reconciles,
            C::PostalValidated => self.c_postal_validated,
            C::RoundsPublished => self.c_rounds_published,
            C::VvpatDrawn => self.c_vvpat_drawn,
            C::VvpatCounted => self.c_vvpat_counted,
            C::VvpatSettled => self.c_vvpat_settled,
            C::Reverified => self.c_reverified,
            C::NoTie => self.c_no_tie,
        }
    }

    /// What a rule that refused means, in this language (the library's
    /// message then gives the particulars).
    pub fn rule(&self, r: crate::error::Rule) -> &'static str {
        use crate::error::Rule as R;
        match r {
            R::AcExists => self.r_ac_exists,
            R::UserExists => self.r_user_exists,
            R::FindingNotOpen => self.r_finding_not_open,
            R::NoDecision => self.r_no_decision,
            R::DecisionDoesNotFit => self.r_decision_does_not_fit,
            R::NotEmpty => self.r_not_empty,
            R::PostalFirst => self.r_postal_first,
            R::PsCounted => self.r_ps_counted,
            R::ResultDeclared => self.r_result_declared,
            R::RoundEmpty => self.r_round_empty,
            R::RoundNotApproved => self.r_round_not_approved,
            R::RoundNotDraft => self.r_round_not_draft,
            R::RoundOrder => self.r_round_order,
            R::RoundPublished => self.r_round_published,
            R::RoundsUnpublished => self.r_rounds_unpublished,
            R::Tie => self.r_tie,
            R::UploadedElsewhere => self.r_uploaded_elsewhere,
            R::NoVotes => self.r_no_votes,
            R::AcOwnedByNode => self.r_ac_owned_by_node,
            R::AcHandedOver => self.r_ac_handed_over,
            R::NodeExists => self.r_node_exists,
            R::PostalNotReady => self.r_postal_not_ready,
            R::NotReady => self.r_not_ready,
            R::NotDrawn => self.r_not_drawn,
            R::SlipsCounted => self.r_slips_counted,
            R::NotDeclared => self.r_not_declared,
        }
    }

    /// What an entry check that refused means, in this language.
    pub fn entry_check(&self, c: crate::error::EntryCheck) -> &'static str {
        use crate::error::EntryCheck as E;
        match c {
            E::TotalDiffers => self.r_total_differs,
            E::ExceedsElectors => self.r_exceeds_electors,
        }
    }

    /// The label of a finding kind.
    pub fn kind(&self, kind: crate::checks::Kind) -> &'static str {
        use crate::checks::Kind;
        match kind {
            Kind::Mismatch => self.k_mismatch,
            Kind::Unreadable => self.k_unreadable,
            Kind::Duplicate => self.k_duplicate,
            Kind::SerialMismatch => self.k_serial_mismatch,
            Kind::Unsigned => self.k_unsigned,
            Kind::Unattested => self.k_unattested,
            Kind::NotInRegister => self.k_not_in_register,
            Kind::Stale => self.k_stale,
            Kind::MissingPair => self.k_missing_pair,
            Kind::Reconciliation => self.k_reconciliation,
            Kind::MarginBelowRejected => self.k_margin_below_rejected,
            Kind::VvpatMismatch => self.k_vvpat_mismatch,
            Kind::QrMismatch => self.k_qr_mismatch,
        }
    }

    /// The label of a decision on a finding.
    pub fn decision(&self, d: crate::checks::Decision) -> &'static str {
        use crate::checks::Decision;
        match d {
            Decision::ScanCorrect => self.decide_scan,
            Decision::EntryCorrect => self.decide_entry,
            Decision::Rescan => self.decide_rescan,
            Decision::Signed => self.decide_signed,
            Decision::NotSigned => self.decide_not_signed,
            Decision::Accept => self.decide_accept,
            Decision::Reject => self.decide_reject,
        }
    }

    /// A refused upload's reason, by its error code.
    pub fn refusal(&self, code: &str) -> &'static str {
        match code {
            "unsupported-type" => self.r_unsupported_type,
            "malformed-pdf" => self.r_malformed_pdf,
            "encrypted-pdf" => self.r_encrypted_pdf,
            "unsupported-encoding" => self.r_unsupported_encoding,
            "malformed-image" => self.r_malformed_image,
            "too-large" => self.r_too_large,
            "bad-input" => self.r_empty,
            _ => self.r_other,
        }
    }

    /// The label of a document's status.
    pub fn doc_status(&self, status: crate::db::DocumentStatus) -> &'static str {
        use crate::db::DocumentStatus as S;
        match status {
            S::Queued => self.st_queued,
            S::Processing => self.st_processing,
            S::Done => self.st_done,
            S::Failed => self.st_failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_is_translated_and_none_is_empty() {
        let en = serde_json::to_value(&EN).unwrap();
        let hi = serde_json::to_value(&HI).unwrap();
        let (en, hi) = (en.as_object().unwrap(), hi.as_object().unwrap());
        assert_eq!(en.len(), hi.len());
        for (k, v) in en {
            let h = hi[k].as_str().unwrap();
            assert!(!v.as_str().unwrap().is_empty() && !h.is_empty(), "{k}");
            // A Hindi label is in Devanagari, except codes and form names.
            let codes = ["SHA-256", "ETPBS", "13A", "S, E", "sha256sum", "PDF"];
            if !codes.iter().any(|c| h.contains(c)) && k != "app_name" {
                assert!(
                    h.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)),
                    "{k}: {h}"
                );
            }
        }
    }

    #[test]
    fn every_rule_means_something_different_in_both_languages() {
        use crate::error::{EntryCheck, Rule};
        let mut seen = std::collections::HashSet::new();
        let meanings = Rule::ALL.iter().map(|r| (EN.rule(*r), HI.rule(*r))).chain(
            EntryCheck::ALL
                .iter()
                .map(|c| (EN.entry_check(*c), HI.entry_check(*c))),
        );
        for (en, hi) in meanings {
            assert!(seen.insert(en), "two rules say {en}");
            assert_ne!(en, hi);
        }
        assert_eq!(seen.len(), Rule::ALL.len() + EntryCheck::ALL.len());
    }

    #[test]
    fn lang_codes_round_trip() {
        for l in [Lang::En, Lang::Hi] {
            assert_eq!(Lang::parse(l.code()), Some(l));
        }
        assert_eq!(Lang::parse("fr"), None);
    }
}
