//! hipaa-audit: a syslog collector that keeps a tamper-evident, hash-chained HIPAA audit
//! trail. See ARCHITECTURE.md for the module map and the data flow.

pub mod cli;
pub mod commands;
pub mod config;
pub mod guard;
pub mod ingest;
pub mod mapping;
pub mod parse;
pub mod pipeline;
pub mod report;
pub mod serve;
pub mod shutdown;
pub mod store;
pub mod telemetry;
