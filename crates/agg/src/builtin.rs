//! The built-in product configs (`configs/*.yaml`, embedded): `atl06`
//! (the default, also [`AggConfig::atl06_default`]), `atl03` (photons,
//! found through the geolocation segments), `atl08` (terrain),
//! `atl08_canopy` and `gedi_l2a`. A `--config` argument names a file or one
//! of these ([`AggConfig::load`]).

use std::path::Path;

use crate::atl06::ATL06_YAML;
use crate::config::{AggConfig, ConfigError};

/// Name → YAML of every built-in config.
pub const BUILTIN_CONFIGS: [(&str, &str); 5] = [
    ("atl06", ATL06_YAML),
    ("atl03", include_str!("../configs/atl03.yaml")),
    ("atl08", include_str!("../configs/atl08.yaml")),
    ("atl08_canopy", include_str!("../configs/atl08_canopy.yaml")),
    ("gedi_l2a", include_str!("../configs/gedi_l2a.yaml")),
];

impl AggConfig {
    /// The built-in config called `name` (`atl06`, `atl03`, `atl08`,
    /// `atl08_canopy`, `gedi_l2a`), or `None`.
    pub fn builtin(name: &str) -> Option<Result<AggConfig, ConfigError>> {
        BUILTIN_CONFIGS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, yaml)| Self::parse_named(yaml, &format!("<built-in {n}>")))
    }

    /// A config file, or a built-in config by name when no file of that
    /// name exists. An argument that is neither is a [`ConfigError::Read`]
    /// naming it and listing the built-in names.
    pub fn load(arg: impl AsRef<Path>) -> Result<AggConfig, ConfigError> {
        let path = arg.as_ref();
        if path.exists() {
            return Self::from_path(path);
        }
        let name = path.to_string_lossy();
        Self::builtin(&name).unwrap_or_else(|| {
            let names: Vec<&str> = BUILTIN_CONFIGS.iter().map(|(n, _)| *n).collect();
            Err(ConfigError::Read {
                origin: name.to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no such file, nor a built-in config ({})", names.join(", ")),
                ),
            })
        })
    }
}
