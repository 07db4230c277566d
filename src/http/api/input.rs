//! Reading a request's JSON body and query string by hand, so that every mistake is a
//! 422 naming the field (a framework rejection would say less, and in plain text).

use serde_json::{Map, Value};

use super::error::ApiError;

/// A JSON object body.
pub struct JsonObject {
    map: Map<String, Value>,
    /// Prefix of field names in errors (`consent.`).
    path: String,
}

impl JsonObject {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self {
                map,
                path: String::new(),
            }),
            Ok(_) => Err(ApiError::invalid("body", "send a JSON object")),
            Err(_) => Err(ApiError::invalid("body", "not valid JSON")),
        }
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.path)
    }

    /// A string field; `None` when absent or null.
    pub fn opt_str(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(&self.name(key), "must be a string")),
        }
    }

    pub fn str(&self, key: &str) -> Result<String, ApiError> {
        self.opt_str(key)?
            .ok_or_else(|| ApiError::invalid(&self.name(key), "is required"))
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(&self.name(key), "must be true or false")),
        }
    }

    /// A whole number within `min..=max`.
    pub fn u32_in(&self, key: &str, min: u32, max: u32) -> Result<u32, ApiError> {
        let wrong = || {
            ApiError::invalid(
                &self.name(key),
                format!("must be a whole number from {min} to {max}"),
            )
        };
        match self.map.get(key) {
            None | Some(Value::Null) => Err(ApiError::invalid(&self.name(key), "is required")),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(wrong),
            Some(_) => Err(wrong()),
        }
    }

    /// A nested object; `None` when absent or null.
    pub fn opt_object(&self, key: &str) -> Result<Option<JsonObject>, ApiError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(JsonObject {
                map: map.clone(),
                path: format!("{}.", self.name(key)),
            })),
            Some(_) => Err(ApiError::invalid(&self.name(key), "must be an object")),
        }
    }

    /// Every member as a string (for an object of string values).
    pub fn strings(&self) -> Result<Vec<(String, String)>, ApiError> {
        self.map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(ApiError::invalid(&self.name(k), "must be a string")),
            })
            .collect()
    }
}

/// A query string's parameters, decoded.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A whole number within `min..=max`, if given.
    pub fn int_in(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        self.get(key)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            key,
                            format!("must be a whole number from {min} to {max}"),
                        )
                    })
            })
            .transpose()
    }
}

/// A path segment that must be a person's id.
pub fn person_id(segment: &str) -> Result<i64, ApiError> {
    segment
        .parse::<i64>()
        .map_err(|_| ApiError::invalid("id", "must be a whole number (a person's id)"))
}
