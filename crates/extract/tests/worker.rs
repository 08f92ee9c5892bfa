#![allow(clippy::expect_used)]
//! The parent/worker pair through `Extractor`, with the test-only worker binary, and the
//! PDFs (hostile ones only ever through a worker: they may abort or overflow the stack).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use dossier_extract::{Extraction, Extractor, Limits, Outcome, extract};

fn worker_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dossier-extract-worker"))
}

/// A wrapper script that starts the worker with the test hooks enabled (`exec`, so the
/// worker's own exit status and signals are what the parent sees). It is written by a
/// separate `sh`, not by this process: a file this process holds open for writing is
/// inherited by every child another test thread forks meanwhile, and exec'ing the script
/// then fails with "Text file busy" (ETXTBSY).
fn hooked_worker() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dossier-extract-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("hooked-worker.sh");
    if !path.exists() {
        let tmp = dir.join(format!("hooked-worker.{}.tmp", rand_suffix()));
        let script = format!(
            "#!/bin/sh\nDOSSIER_EXTRACT_TEST_HOOKS=1 exec '{}' \"$@\"\n",
            worker_bin().display()
        );
        let status = std::process::Command::new("sh")
            .args([
                "-c",
                r#"printf '%s' "$1" > "$2" && chmod 755 "$2" && mv "$2" "$3""#,
                "sh",
            ])
            .arg(&script)
            .arg(&tmp)
            .arg(&path)
            .status()
            .expect("sh runs");
        assert!(status.success(), "the hooked worker script was written");
    }
    path
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn test_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(5),
        memory_bytes: 512 << 20,
        ..Limits::default()
    }
}

/// "Returns at all": a generous bound so a hang fails the test instead of blocking it.
async fn within(f: impl std::future::Future<Output = Extraction>) -> Extraction {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the extractor answered")
}

/// A minimal PDF: one page with one text object, xref offsets computed.
fn pdf_with(objects: &[String], root: u32) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(content: &str) -> String {
    format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

fn text_pdf(text: &str) -> Vec<u8> {
    pdf_with(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".into(),
            stream(&format!("BT /F1 24 Tf 72 700 Td ({text}) Tj ET")),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
        ],
        1,
    )
}

#[test]
fn pdf_in_process() {
    let e = extract(
        &text_pdf("Hello PDF world"),
        "brief.pdf",
        &Limits::default(),
    );
    assert_eq!(e.format, "pdf");
    assert_eq!(e.outcome, Outcome::Indexed, "{e:?}");
    assert_eq!(e.text, "Hello PDF world");
}

#[test]
fn pdf_without_text_layer() {
    let pdf = pdf_with(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".into(),
            stream("0 0 m 100 100 l S"),
        ],
        1,
    );
    let e = extract(&pdf, "scan.pdf", &Limits::default());
    assert_eq!(
        e.outcome,
        Outcome::MetadataOnly("the PDF has no text layer".into()),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_through_worker() {
    let x = Extractor::new(worker_bin(), test_limits(), 1);
    let e = within(x.extract(Bytes::from_static(b"plain  words\r\n\r\nhere"), "a.txt")).await;
    assert_eq!(e.outcome, Outcome::Indexed);
    assert_eq!(e.format, "text");
    assert_eq!(e.text, "plain words\nhere");
    let e = within(x.extract(Bytes::from(text_pdf("Worker PDF")), "b.pdf")).await;
    assert_eq!(e.outcome, Outcome::Indexed, "{e:?}");
    assert_eq!(e.text, "Worker PDF");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_is_viewed_through_the_worker_sanitised() {
    use dossier_extract::mail_view::EmailBody;
    let x = Extractor::new(worker_bin(), test_limits(), 1);
    let eml = b"From: a@example.com\r\nSubject: Hi\r\nContent-Type: text/html\r\n\r\n<p>Hello</p><script>alert(1)</script>\r\n";
    let v = x
        .email_view(Bytes::from_static(eml))
        .await
        .expect("the worker shows the email");
    assert_eq!(v.headers.subject, "Hi");
    let EmailBody::Html(h) = v.body else {
        panic!("an html body: {:?}", v.body)
    };
    assert!(h.as_str().contains("<p>Hello</p>"), "{h:?}");
    assert!(!h.as_str().contains("script"), "{h:?}");
    // The worker still extracts afterwards: the same process answers both jobs.
    let e = within(x.extract(Bytes::from_static(b"after"), "a.txt")).await;
    assert_eq!(e.text, "after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_file_is_not_sent() {
    let limits = Limits {
        max_input_bytes: 1024,
        ..test_limits()
    };
    // A program that does not exist: the worker is never needed.
    let x = Extractor::new(PathBuf::from("/nonexistent/worker"), limits, 1);
    let e = within(x.extract(Bytes::from(vec![b'a'; 2048]), "big.txt")).await;
    assert_eq!(
        e.outcome,
        Outcome::MetadataOnly("file is larger than the 1 KiB extraction limit".into())
    );
    let e = within(x.extract(Bytes::from_static(b"small"), "small.txt")).await;
    assert!(
        matches!(&e.outcome, Outcome::Failed(r) if r.starts_with("the extractor could not be started")),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_and_replaces_the_worker() {
    let limits = Limits {
        timeout: Duration::from_secs(2),
        ..test_limits()
    };
    let x = Extractor::new(hooked_worker(), limits, 1);
    let e = within(x.extract(Bytes::from_static(b"x"), "__dossier_test_sleep__")).await;
    assert_eq!(
        e.outcome,
        Outcome::Failed("extraction took longer than 2 s".into())
    );
    let e = within(x.extract(Bytes::from_static(b"after"), "a.txt")).await;
    assert_eq!(e.outcome, Outcome::Indexed);
    assert_eq!(e.text, "after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_is_reported_and_the_worker_replaced() {
    let x = Extractor::new(hooked_worker(), test_limits(), 1);
    let e = within(x.extract(Bytes::from_static(b"x"), "__dossier_test_abort__")).await;
    assert_eq!(
        e.outcome,
        Outcome::Failed("the extractor crashed: signal 6".into())
    );
    let e = within(x.extract(Bytes::from_static(b"after"), "a.txt")).await;
    assert_eq!(e.text, "after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_limit_is_reported() {
    let x = Extractor::new(hooked_worker(), test_limits(), 1);
    let e = within(x.extract(Bytes::from_static(b"x"), "__dossier_test_alloc__")).await;
    assert_eq!(
        e.outcome,
        Outcome::Failed("the extractor ran out of memory (limit 512 MiB)".into())
    );
    let e = within(x.extract(Bytes::from_static(b"after"), "a.txt")).await;
    assert_eq!(e.text, "after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_is_caught_inside_the_worker() {
    let x = Extractor::new(hooked_worker(), test_limits(), 1);
    let e = within(x.extract(Bytes::from_static(b"x"), "__dossier_test_panic__")).await;
    assert_eq!(
        e.outcome,
        Outcome::Failed("the extractor failed: test hook panic".into())
    );
    let e = within(x.extract(Bytes::from_static(b"after"), "a.txt")).await;
    assert_eq!(e.text, "after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_are_off_without_the_env() {
    let x = Extractor::new(worker_bin(), test_limits(), 1);
    let e = within(x.extract(Bytes::from_static(b"just text"), "__dossier_test_abort__")).await;
    assert_eq!(e.outcome, Outcome::Indexed);
    assert_eq!(e.text, "just text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_concurrently() {
    let limits = Limits {
        timeout: Duration::from_secs(3),
        ..test_limits()
    };
    let x = Extractor::new(hooked_worker(), limits, 2);
    let slow = {
        let x = x.clone();
        tokio::spawn(async move {
            x.extract(Bytes::from_static(b"x"), "__dossier_test_sleep__")
                .await
        })
    };
    let mut tasks = Vec::new();
    for i in 0..8 {
        let x = x.clone();
        tasks.push(tokio::spawn(async move {
            let text = format!("document number {i}");
            let e = x
                .extract(Bytes::from(text.clone().into_bytes()), "n.txt")
                .await;
            (text, e)
        }));
    }
    for t in tasks {
        let (text, e) = tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("answered")
            .expect("joined");
        assert_eq!(e.text, text);
    }
    let e = tokio::time::timeout(Duration::from_secs(60), slow)
        .await
        .expect("answered")
        .expect("joined");
    assert_eq!(
        e.outcome,
        Outcome::Failed("extraction took longer than 3 s".into())
    );
}

fn assert_not_indexed(e: &Extraction) {
    assert!(
        matches!(e.outcome, Outcome::Failed(_) | Outcome::MetadataOnly(_)),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_truncated_pdfs() {
    let x = Extractor::new(worker_bin(), test_limits(), 1);
    let mut seed: u32 = 99;
    let mut garbage = b"%PDF-1.7\n".to_vec();
    garbage.extend((0..20_000).map(|_| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 16) as u8
    }));
    let e = within(x.extract(Bytes::from(garbage), "garbage.pdf")).await;
    assert_not_indexed(&e);

    let mut pdf = text_pdf("cut short");
    pdf.truncate(pdf.len() / 2);
    // Returns, whatever lopdf makes of it.
    let _ = within(x.extract(Bytes::from(pdf), "truncated.pdf")).await;
    let e = within(x.extract(Bytes::from_static(b"%PDF-1.4\n%%EOF"), "stub.pdf")).await;
    assert_not_indexed(&e);

    let e = within(x.extract(Bytes::from_static(b"still works"), "a.txt")).await;
    assert_eq!(e.text, "still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pdfs_come_back_within_the_timeout() {
    let x = Extractor::new(worker_bin(), test_limits(), 1);
    let font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string();
    let hostile: Vec<(&str, Vec<u8>)> = vec![
        (
            // The page tree is its own kid.
            "self-kids.pdf",
            pdf_with(
                &[
                    "<< /Type /Catalog /Pages 2 0 R >>".into(),
                    "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".into(),
                    "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".into(),
                    stream("BT /F1 12 Tf (loop) Tj ET"),
                    font.clone(),
                ],
                1,
            ),
        ),
        (
            // A form XObject that draws itself.
            "self-xobject.pdf",
            pdf_with(
                &[
                    "<< /Type /Catalog /Pages 2 0 R >>".into(),
                    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /X1 5 0 R >> /Font << /F1 6 0 R >> >> >>".into(),
                    stream("/X1 Do"),
                    "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X1 5 0 R >> /Font << /F1 6 0 R >> >> /Length 24 >>\nstream\nBT /F1 9 Tf (x) Tj ET /X1 Do\nendstream".into(),
                    font.clone(),
                ],
                1,
            ),
        ),
        (
            // A huge declared object count and a page count to match.
            "huge-count.pdf",
            {
                let mut p = pdf_with(
                    &[
                        "<< /Type /Catalog /Pages 2 0 R >>".into(),
                        "<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>".into(),
                        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".into(),
                        stream("BT (x) Tj ET"),
                    ],
                    1,
                );
                let s = String::from_utf8_lossy(&p).replace("/Size 5", "/Size 2147483647");
                p = s.into_bytes();
                p
            },
        ),
        (
            // An xref whose /Prev points at itself.
            "self-prev.pdf",
            {
                let p = text_pdf("prev loop");
                let s = String::from_utf8_lossy(&p).into_owned();
                let xref_at = s.rfind("startxref\n").map(|i| s[i + 10..].lines().next().unwrap_or("0").to_string()).unwrap_or_default();
                s.replace("/Root 1 0 R >>", &format!("/Root 1 0 R /Prev {xref_at} >>")).into_bytes()
            },
        ),
        (
            // A stream that claims to be enormous.
            "huge-length.pdf",
            pdf_with(
                &[
                    "<< /Type /Catalog /Pages 2 0 R >>".into(),
                    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".into(),
                    "<< /Length 999999999999 /Filter /FlateDecode >>\nstream\nxx\nendstream".into(),
                ],
                1,
            ),
        ),
        (
            // Arrays nested a million deep: a recursive parser runs out of stack.
            "deep-nesting.pdf",
            pdf_with(
                &[
                    "<< /Type /Catalog /Pages 2 0 R >>".into(),
                    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
                    format!(
                        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots {}{} >>",
                        "[".repeat(1_000_000),
                        "]".repeat(1_000_000)
                    ),
                ],
                1,
            ),
        ),
    ];
    for (name, pdf) in hostile {
        let e = within(x.extract(Bytes::from(pdf), name)).await;
        eprintln!("{name}: {:?}", e.outcome);
    }
    let e = within(x.extract(Bytes::from_static(b"survived"), "a.txt")).await;
    assert_eq!(e.text, "survived");
}
