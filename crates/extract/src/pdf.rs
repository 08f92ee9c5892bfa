//! Born-digital PDFs through pdf-extract (no OCR). pdf-extract panics on input it does not
//! understand (caught here) and can abort or loop (which is why extraction runs in a worker).

use crate::{Extraction, panic_message, with_text};

pub(crate) fn extract(content: &[u8]) -> Extraction {
    let run = std::panic::AssertUnwindSafe(|| pdf_extract::extract_text_from_mem(content));
    match std::panic::catch_unwind(run) {
        Ok(Ok(text)) => with_text("pdf", text),
        Ok(Err(e)) => Extraction::failed("pdf", format!("the PDF could not be read: {e}")),
        Err(payload) => Extraction::failed(
            "pdf",
            format!("the PDF could not be read: {}", panic_message(&*payload)),
        ),
    }
}
