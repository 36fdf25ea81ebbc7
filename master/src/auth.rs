//! HTTP basic authentication of frameworks against Mesos's credentials file.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Deserialize;

/// The realm Apache Mesos names in its `WWW-Authenticate` challenge.
pub const SCHEDULER_REALM: &str = "mesos-master-scheduler";

#[derive(Deserialize)]
struct CredentialsFile {
    credentials: Vec<Credential>,
}

#[derive(Deserialize)]
struct Credential {
    principal: String,
    #[serde(default)]
    secret: String,
}

/// Reads Mesos's JSON credentials file (`{"credentials":[{"principal":…,"secret":…}]}`), given
/// as a path or a `file://` URL.
pub fn load_credentials(path: &str) -> Result<BTreeMap<String, String>, String> {
    let path = path.strip_prefix("file://").unwrap_or(path);
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--credentials: cannot read '{path}': {e}"))?;
    if text.trim().is_empty() {
        return Err(format!("--credentials: '{path}' is empty"));
    }
    let file: CredentialsFile = serde_json::from_str(&text)
        .map_err(|e| format!("--credentials: '{path}' is not a Mesos credentials file: {e}"))?;
    Ok(file
        .credentials
        .into_iter()
        .map(|c| (c.principal, c.secret))
        .collect())
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Missing authorization header")]
    Missing,
    #[error("Malformed 'Authorization' header: {0}")]
    Malformed(&'static str),
    #[error("Authentication failed for principal '{0}'")]
    Rejected(String),
}

/// Checks an `Authorization: Basic …` header value; returns the authenticated principal.
pub fn authenticate(
    credentials: &BTreeMap<String, String>,
    header: Option<&str>,
) -> Result<String, AuthError> {
    let header = header.ok_or(AuthError::Missing)?;
    let encoded = header
        .strip_prefix("Basic ")
        .ok_or(AuthError::Malformed("expected the Basic scheme"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| AuthError::Malformed("not base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| AuthError::Malformed("not UTF-8"))?;
    let mut parts = decoded.split(':');
    let (Some(principal), Some(secret), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AuthError::Malformed("expected exactly one ':'"));
    };
    match credentials.get(principal) {
        Some(expected) if expected == secret => Ok(principal.to_owned()),
        _ => Err(AuthError::Rejected(principal.to_owned())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn header(user: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user)
        )
    }

    #[test]
    fn basic_auth() {
        let creds = BTreeMap::from([("spark".to_owned(), "s3cret".to_owned())]);
        assert_eq!(
            authenticate(&creds, Some(&header("spark:s3cret"))).unwrap(),
            "spark"
        );
        assert_eq!(
            authenticate(&creds, Some(&header("spark:wrong"))),
            Err(AuthError::Rejected("spark".into()))
        );
        assert_eq!(authenticate(&creds, None), Err(AuthError::Missing));
        assert!(matches!(
            authenticate(&creds, Some(&header("a:b:c"))),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            authenticate(&creds, Some("Bearer x")),
            Err(AuthError::Malformed(_))
        ));
    }
}
