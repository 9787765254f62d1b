//! Temporary S3 credentials from a NASA Earthdata DAAC `s3credentials`
//! endpoint, fetched once by the orchestrator and handed to the workers in
//! the event. Secrets never appear in `Debug`, errors or reports.
//!
//! The endpoint answers an unauthenticated GET with a redirect to the
//! Earthdata login (`urs.earthdata.nasa.gov/oauth/authorize`), which takes
//! HTTP Basic credentials and redirects back with a code; the DAAC sets a
//! session cookie and redirects to the endpoint again, which then returns
//! `{accessKeyId, secretAccessKey, sessionToken, expiration}`. The login
//! comes from `EARTHDATA_USERNAME`/`EARTHDATA_PASSWORD` or `~/.netrc`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Temporary S3 credentials.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct S3Credentials {
    /// Access key id.
    #[serde(rename = "accessKeyId")]
    pub access_key_id: String,
    /// Secret access key.
    #[serde(rename = "secretAccessKey")]
    pub secret_access_key: String,
    /// Session token.
    #[serde(rename = "sessionToken")]
    pub session_token: String,
    /// Expiry, as the DAAC writes it (`2024-05-01 12:00:00+00:00`).
    pub expiration: String,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// Why credentials could not be had.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// No Earthdata login in the environment or `~/.netrc`.
    #[error(
        "no Earthdata login for {host}: set EARTHDATA_USERNAME/EARTHDATA_PASSWORD or add it to ~/.netrc"
    )]
    NoLogin {
        /// The login host looked up.
        host: String,
    },
    /// The endpoint or the login refused, or spoke something else.
    #[error("s3credentials {url}: {reason}")]
    Fetch {
        /// The URL requested (no secrets in it).
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The credentials expire too soon for the run.
    #[error("S3 credentials expire at {expiration}, within {margin_s} s: fetch new ones")]
    Expiring {
        /// Expiry as given.
        expiration: String,
        /// The margin asked.
        margin_s: u64,
    },
}

impl S3Credentials {
    /// Seconds since the Unix epoch at which they expire.
    pub fn expires_at(&self) -> Option<u64> {
        parse_timestamp(&self.expiration)
    }

    /// Fails unless they stay valid for `margin` from now.
    pub fn check_valid_for(&self, margin: Duration) -> Result<(), CredentialsError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        match self.expires_at() {
            Some(t) if t >= now + margin.as_secs() => Ok(()),
            _ => Err(CredentialsError::Expiring {
                expiration: self.expiration.clone(),
                margin_s: margin.as_secs(),
            }),
        }
    }

    /// `object_store` S3 settings carrying these credentials.
    pub fn store_options(&self) -> Vec<(String, String)> {
        vec![
            ("aws_access_key_id".into(), self.access_key_id.clone()),
            (
                "aws_secret_access_key".into(),
                self.secret_access_key.clone(),
            ),
            ("aws_session_token".into(), self.session_token.clone()),
        ]
    }
}

/// An Earthdata login (user, password).
#[derive(Clone)]
pub struct Login {
    user: String,
    password: String,
}

impl Login {
    /// A login from its parts.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Login {
            user: user.into(),
            password: password.into(),
        }
    }

    /// `EARTHDATA_USERNAME`/`EARTHDATA_PASSWORD`, else the `~/.netrc` entry
    /// for `host`.
    pub fn from_env(host: &str) -> Result<Self, CredentialsError> {
        if let (Ok(u), Ok(p)) = (
            std::env::var("EARTHDATA_USERNAME"),
            std::env::var("EARTHDATA_PASSWORD"),
        ) {
            return Ok(Login::new(u, p));
        }
        let netrc = std::env::var_os("NETRC").map_or_else(
            || std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".netrc")),
            |p| Some(p.into()),
        );
        netrc
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| netrc_login(&text, host))
            .ok_or_else(|| CredentialsError::NoLogin { host: host.into() })
    }
}

fn netrc_login(text: &str, host: &str) -> Option<Login> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    let (mut user, mut password, mut inside) = (None, None, false);
    while i + 1 < words.len() {
        match words[i] {
            "machine" => {
                if inside && user.is_some() {
                    break;
                }
                inside = words[i + 1] == host;
            }
            "login" if inside => user = Some(words[i + 1]),
            "password" if inside => password = Some(words[i + 1]),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    Some(Login::new(user?, password?))
}

/// Fetches credentials from `endpoint` (e.g.
/// `https://data.nsidc.earthdatacloud.nasa.gov/s3credentials`), logging in
/// at any redirect target outside the endpoint's host with `login` (Basic),
/// carrying cookies across the redirects.
pub async fn fetch(endpoint: &str, login: &Login) -> Result<S3Credentials, CredentialsError> {
    let fail = |reason: String| CredentialsError::Fetch {
        url: endpoint.to_string(),
        reason,
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_mins(1))
        .build()
        .map_err(|e| fail(e.without_url().to_string()))?;
    let mut url = reqwest::Url::parse(endpoint).map_err(|e| fail(e.to_string()))?;
    let home = url.host_str().unwrap_or_default().to_string();
    let mut cookies: Vec<(String, String)> = Vec::new();
    for _ in 0..10 {
        let mut req = client.get(url.clone());
        if url.host_str() != Some(home.as_str()) {
            req = req.basic_auth(&login.user, Some(&login.password));
        }
        if !cookies.is_empty() {
            let c: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(reqwest::header::COOKIE, c.join("; "));
        }
        let resp = req
            .send()
            .await
            .map_err(|e| fail(e.without_url().to_string()))?;
        for v in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            if let Some((k, v)) = v
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|kv| kv.split_once('='))
            {
                cookies.retain(|(name, _)| name != k.trim());
                cookies.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let status = resp.status();
        if status.is_redirection() {
            let loc = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| fail(format!("HTTP {status} without Location")))?;
            url = url
                .join(loc)
                .map_err(|e| fail(format!("bad redirect: {e}")))?;
            continue;
        }
        if !status.is_success() {
            return Err(fail(format!("HTTP {status} (check the Earthdata login)")));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| fail(e.without_url().to_string()))?;
        // Never echo the body: it holds the secret.
        return serde_json::from_slice(&bytes)
            .map_err(|_| fail("the response is not a credentials document".into()));
    }
    Err(fail("more than 10 redirects".into()))
}

/// Parses `YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|+00:00]` (UTC) to Unix seconds.
fn parse_timestamp(s: &str) -> Option<u64> {
    let s = s.trim();
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let rest = s.get(19..)?;
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "" | "Z" | "+00:00" | "+0000" => 0,
        _ => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let hh: i64 = rest.get(1..3)?.parse().ok()?;
            let mm: i64 = rest.get(rest.len() - 2..)?.parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_as_utc() {
        assert_eq!(parse_timestamp("1970-01-01 00:00:00+00:00"), Some(0));
        assert_eq!(
            parse_timestamp("2024-05-01 12:00:00+00:00"),
            Some(1714564800)
        );
        assert_eq!(parse_timestamp("2024-05-01T12:00:00Z"), Some(1714564800));
        assert_eq!(
            parse_timestamp("2024-05-01T14:00:00.123+02:00"),
            Some(1714564800)
        );
        assert_eq!(parse_timestamp("soon"), None);
    }

    #[test]
    fn debug_hides_secrets_and_expiry_is_checked() {
        let c = S3Credentials {
            access_key_id: "AKIDSECRETID".into(),
            secret_access_key: "VERYSECRET".into(),
            session_token: "TOKENSECRET".into(),
            expiration: "2001-01-01 00:00:00+00:00".into(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let err = c.check_valid_for(Duration::from_mins(1)).unwrap_err();
        assert!(!err.to_string().contains("SECRET"));
        let later = S3Credentials {
            expiration: "2999-01-01 00:00:00+00:00".into(),
            ..c
        };
        later.check_valid_for(Duration::from_hours(1)).unwrap();
    }

    #[test]
    fn netrc_entries_are_found_by_host() {
        let text = "machine other login a password b\nmachine urs.earthdata.nasa.gov\n login me\n password pw\n";
        let l = netrc_login(text, "urs.earthdata.nasa.gov").unwrap();
        assert_eq!((l.user.as_str(), l.password.as_str()), ("me", "pw"));
        assert!(netrc_login(text, "nowhere").is_none());
    }
}
