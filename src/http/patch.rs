//! JSON Merge Patch (RFC 7396) for every `PATCH`: an absent field keeps its value, `null` removes
//! it. A field that can be removed goes back to its empty value (`description: ""`, `tags: []`) or
//! to nothing (a role ARN); one that cannot (a name, an account) refuses `null` with a 422, rather
//! than reading it as "keep", which left clients no way to clear anything and no error saying so.

use serde::{Deserialize, Deserializer};

/// For `Option<T>` fields that must have a value: present and `null` is an error.
pub fn refuse_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<T>::deserialize(d)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom("null is not allowed here: this field cannot be removed (leave it out to keep it)")),
    }
}

/// For `Option<T>` fields with an empty value: present and `null` sets that empty value.
pub fn null_empties<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Some(Option::<T>::deserialize(d)?.unwrap_or_default()))
}

/// For `Option<Option<T>>` fields that can be unset: absent is `None`, `null` is `Some(None)`.
pub fn null_removes<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Patch {
        #[serde(default, deserialize_with = "super::refuse_null")]
        name: Option<String>,
        #[serde(default, deserialize_with = "super::null_empties")]
        tags: Option<Vec<String>>,
        #[serde(default, deserialize_with = "super::null_removes")]
        role: Option<Option<String>>,
    }

    #[test]
    fn absent_keeps_null_removes_or_is_refused() {
        let absent: Patch = serde_json::from_value(json!({})).unwrap();
        assert_eq!((absent.name, absent.tags, absent.role), (None, None, None));
        let nulls: Patch = serde_json::from_value(json!({"tags": null, "role": null})).unwrap();
        assert_eq!((nulls.tags, nulls.role), (Some(vec![]), Some(None)));
        let set: Patch = serde_json::from_value(json!({"name": "n", "tags": ["a"], "role": "r"})).unwrap();
        assert_eq!((set.name.as_deref(), set.tags, set.role), (Some("n"), Some(vec!["a".to_string()]), Some(Some("r".to_string()))));
        let refused = serde_json::from_value::<Patch>(json!({"name": null})).unwrap_err();
        assert!(refused.to_string().contains("cannot be removed"), "{refused}");
    }
}
