//! An Earthdata login (user, password, and the host it belongs to), from
//! the environment or `~/.netrc`.

/// The Earthdata login host.
pub const EARTHDATA_LOGIN_HOST: &str = "urs.earthdata.nasa.gov";

/// An Earthdata login: sent (HTTP Basic) only to its own host, as netrc
/// entries are meant. `Debug` shows the user and host, never the password.
#[derive(Clone)]
pub struct Login {
    pub(super) host: String,
    pub(super) user: String,
    pub(super) password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("host", &self.host)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Login {
    /// A login for `host` (e.g. [`EARTHDATA_LOGIN_HOST`]) from its parts.
    pub fn new(
        host: impl Into<String>,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Login {
            host: host.into(),
            user: user.into(),
            password: password.into(),
        }
    }

    /// The login host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// `EARTHDATA_USERNAME`/`EARTHDATA_PASSWORD`, else the entry for `host`
    /// in `$NETRC` or `$HOME/.netrc`.
    pub fn from_env(host: &str) -> Result<Self, super::CredentialsError> {
        if let (Ok(u), Ok(p)) = (
            std::env::var("EARTHDATA_USERNAME"),
            std::env::var("EARTHDATA_PASSWORD"),
        ) {
            return Ok(Login::new(host, u, p));
        }
        let netrc = std::env::var_os("NETRC").map_or_else(
            || std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".netrc")),
            |p| Some(p.into()),
        );
        netrc
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| netrc_login(&text, host))
            .ok_or_else(|| super::CredentialsError::NoLogin { host: host.into() })
    }
}

/// The `login`/`password` of the `machine host` entry of a netrc text.
pub(super) fn netrc_login(text: &str, host: &str) -> Option<Login> {
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
    Some(Login::new(host, user?, password?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_entries_are_found_by_host() {
        let text = "machine other login a password b\nmachine urs.earthdata.nasa.gov\n login me\n password pw\n";
        let l = netrc_login(text, "urs.earthdata.nasa.gov").unwrap();
        assert_eq!((l.user.as_str(), l.password.as_str()), ("me", "pw"));
        assert_eq!(l.host(), "urs.earthdata.nasa.gov");
        assert!(netrc_login(text, "nowhere").is_none());
        let shown = format!("{l:?}");
        assert!(shown.contains("me") && !shown.contains("pw"), "{shown}");
    }
}
