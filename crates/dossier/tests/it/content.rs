use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn downloads_carry_length_disposition_etag_and_ranges() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let body: Vec<u8> = (0..5000u32).map(|i| (i % 256) as u8).collect();
    let doc = s
        .upload(&folder, "Résumé \"final\".pdf", &body, json!({}))
        .await;
    let id = doc["id"].as_str().unwrap();
    let url = s.lib(&format!("/documents/{id}/download"));

    let r = s.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["content-length"], "5000");
    assert_eq!(h["content-type"], "application/pdf");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(
        cd.starts_with("attachment; filename=\"R_sum_ _final_.pdf\""),
        "{cd}"
    );
    assert!(
        cd.contains("filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"),
        "{cd}"
    );
    let etag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(&r.bytes().await.unwrap()[..], &body[..]);

    let r = s
        .req(Method::GET, &url)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-range"], "bytes 100-199/5000");
    assert_eq!(&r.bytes().await.unwrap()[..], &body[100..200]);
    let r = s
        .req(Method::GET, &url)
        .header("Range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(&r.bytes().await.unwrap()[..], &body[4990..]);
    let r = s
        .req(Method::GET, &url)
        .header("Range", "bytes=9000-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(r.headers()["content-range"], "bytes */5000");

    let r = s
        .req(Method::GET, &url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = s
        .req(Method::GET, &url)
        .header("If-None-Match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .get(&s.lib(&format!(
            "/documents/{id}/download/anything.pdf?activity=export"
        )))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the file-name form of the download path"
    );
    s.stop().await;
}

#[tokio::test]
async fn identical_bytes_are_stored_once() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let a = s.upload(&folder, "a.txt", b"same bytes", json!({})).await;
    let b = s.upload(&folder, "b.txt", b"same bytes", json!({})).await;
    s.upload(&folder, "c.txt", b"other bytes", json!({})).await;
    assert_eq!(a["checksum"], b["checksum"]);
    if let Some(n) = s.blob_files() {
        assert_eq!(n, 2, "two distinct contents, two blobs");
    }
    let report = s.dossier().check().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.blobs_checked, 2);
    assert_eq!(report.versions_checked, 3);
    s.stop().await;
}

#[tokio::test]
async fn large_uploads_stream_through_the_staging_area() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    // Larger than the in-memory threshold, so it goes through a staged multipart write.
    let big: Vec<u8> = (0..(12 * 1024 * 1024 + 17) as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let doc = s.upload(&folder, "scan.tif", &big, json!({})).await;
    assert_eq!(doc["size"], big.len());
    let id = doc["id"].as_str().unwrap();
    let back = s
        .get(&s.lib(&format!("/documents/{id}/download")))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        back[..] == big[..],
        "the large file round-trips byte for byte"
    );
    let again = s.upload(&folder, "scan copy.tif", &big, json!({})).await;
    assert_eq!(again["checksum"], doc["checksum"]);
    if let Some(n) = s.staging_files() {
        assert_eq!(n, 0, "nothing is left in staging");
    }
    if let Some(n) = s.blob_files() {
        assert_eq!(n, 1);
    }
    s.stop().await;
}
