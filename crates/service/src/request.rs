//! The id of the HTTP request a use case serves (`X-Request-Id`), for the audit records it
//! writes. The surface sets it around the handler as a task-local rather than passing it
//! through every use case's arguments: only the audit needs it, and a record written outside
//! a request (the CLI, the indexer) simply has none.

use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// Runs `f` as the work of the request `id`.
pub async fn serving<F: Future>(id: Arc<str>, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// The request being served, if any.
pub(crate) fn current() -> Option<String> {
    REQUEST_ID.try_with(|id| id.to_string()).ok()
}
