//! The one JSON parser entry: every text the core reads (answers, notifications, configs, inputs) goes
//! through `parse`, so serde_json's parser and `Value` builder are compiled once (for byte slices) rather
//! than once per reader type (`from_str` and `from_slice` are two copies).

use serde_json::Value;

pub fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice(bytes)
}
