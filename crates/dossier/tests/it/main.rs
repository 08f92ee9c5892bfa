#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The black-box suite: every test starts a real server (harness.rs) and talks HTTP. The
//! same suite runs on SQLite with local content (the default) and, from `.ci/run`, on
//! PostgreSQL and on an S3-compatible store.

mod auth;
mod automate;
mod bad_input;
mod catalog_admin;
mod cli;
mod containers;
mod content;
mod documents;
mod emails;
mod events;
mod harness;
mod idempotency;
mod identity;
mod integrations;
mod leaks;
mod lookups;
mod matters;
mod metadata;
mod oauth;
mod ops;
mod rate_limits;
mod recycle;
mod schema;
mod scim;
mod search;
mod search_forms;
mod security_model;
mod templates;
mod transport;
mod unprefixed;
mod users_v1;
mod web;
mod webhooks;
mod workspace_search;
