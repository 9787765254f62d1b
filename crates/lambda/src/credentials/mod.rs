//! Temporary S3 credentials from a NASA Earthdata DAAC `s3credentials`
//! endpoint, fetched once by the orchestrator and handed to the workers in
//! the event. Secrets never appear in `Debug`, errors or reports.
//!
//! The endpoint answers an unauthenticated GET with a redirect to the
//! Earthdata login (`urs.earthdata.nasa.gov/oauth/authorize`), which takes
//! HTTP Basic credentials and redirects back with a code; the DAAC sets a
//! session cookie and redirects to the endpoint again, which then returns
//! `{accessKeyId, secretAccessKey, sessionToken, expiration}`. The login
//! ([`Login`]) comes from `EARTHDATA_USERNAME`/`EARTHDATA_PASSWORD` or
//! `~/.netrc`, and is sent to the login host only.

mod login;

pub use login::{EARTHDATA_LOGIN_HOST, Login};

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

/// Fetches credentials from `endpoint` (e.g.
/// `https://data.nsidc.earthdatacloud.nasa.gov/s3credentials`), following
/// its redirects: the login (HTTP Basic) goes only to `login`'s host, and
/// each cookie only back to the host that set it.
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
    // (host, name, value)
    let mut cookies: Vec<(String, String, String)> = Vec::new();
    for _ in 0..10 {
        let host = url.host_str().unwrap_or_default().to_string();
        let at_login = host == login.host;
        let mut req = client.get(url.clone());
        if at_login {
            req = req.basic_auth(&login.user, Some(&login.password));
        }
        let mine: Vec<String> = cookies
            .iter()
            .filter(|c| c.0 == host)
            .map(|c| format!("{}={}", c.1, c.2))
            .collect();
        if !mine.is_empty() {
            req = req.header(reqwest::header::COOKIE, mine.join("; "));
        }
        let resp = req
            .send()
            .await
            .map_err(|e| fail(format!("{host}: {}", e.without_url())))?;
        for v in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            if let Some((k, v)) = v
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|kv| kv.split_once('='))
            {
                let k = k.trim().to_string();
                cookies.retain(|c| !(c.0 == host && c.1 == k));
                cookies.push((host.clone(), k, v.trim().to_string()));
            }
        }
        let status = resp.status();
        if status.is_redirection() {
            let loc = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| fail(format!("{host}: HTTP {status} without Location")))?;
            url = url
                .join(loc)
                .map_err(|e| fail(format!("{host}: bad redirect: {e}")))?;
            continue;
        }
        if at_login && matches!(status.as_u16(), 401 | 403) {
            return Err(fail(format!(
                "the Earthdata login at {host} refused user {} (HTTP {status}): check EARTHDATA_USERNAME/EARTHDATA_PASSWORD or the ~/.netrc entry for {host}",
                login.user
            )));
        }
        if !status.is_success() {
            return Err(fail(format!(
                "{host} answered HTTP {status} (check the Earthdata login for {})",
                login.host
            )));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| fail(format!("{host}: {}", e.without_url())))?;
        // Never echo the body: it holds the secret.
        return serde_json::from_slice(&bytes).map_err(|_| {
            fail(format!(
                "{host}: the response is not a credentials document"
            ))
        });
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
}
