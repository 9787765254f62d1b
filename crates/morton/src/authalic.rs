//! Geodetic ⇄ authalic latitude on WGS84 (MORTON.md §5).
//!
//! Cells are hashed at the *authalic* latitude so that they are equal-area
//! on the ellipsoid. The 5-harmonic series and its coefficients are the ones
//! MORTON.md specifies; it is evaluated the way mortie 1.0.0 evaluates it (a
//! Chebyshev recurrence seeded by one `sin_cos(2x)`, summed in the same
//! order, in radians, converted back to degrees and clamped), so that the
//! floating-point result — and therefore the cell of a point that sits
//! within rounding of a cell edge — is the same as mortie's.

const F: f64 = 1.0 / 298.257_223_563;
const E2: f64 = F * (2.0 - F);
const E4: f64 = E2 * E2;
const E6: f64 = E4 * E2;
const E8: f64 = E4 * E4;
const E10: f64 = E8 * E2;

/// Geodetic → authalic: coefficients of sin(2φ) … sin(10φ).
const TO_AUTHALIC: [f64; 5] = [
    (-1.0 / 3.0) * E2
        + (-31.0 / 180.0) * E4
        + (-59.0 / 560.0) * E6
        + (-42811.0 / 604_800.0) * E8
        + (-605_399.0 / 11_975_040.0) * E10,
    (17.0 / 360.0) * E4
        + (61.0 / 1260.0) * E6
        + (76969.0 / 1_814_400.0) * E8
        + (215_431.0 / 5_987_520.0) * E10,
    (-383.0 / 45360.0) * E6 + (-3347.0 / 259_200.0) * E8 + (-1_751_791.0 / 119_750_400.0) * E10,
    (6007.0 / 3_628_800.0) * E8 + (201_293.0 / 59_875_200.0) * E10,
    (-5839.0 / 17_107_200.0) * E10,
];

/// Authalic → geodetic: coefficients of sin(2β) … sin(10β).
const TO_GEODETIC: [f64; 5] = [
    (1.0 / 3.0) * E2
        + (31.0 / 180.0) * E4
        + (517.0 / 5040.0) * E6
        + (120_389.0 / 1_814_400.0) * E8
        + (1_362_253.0 / 29_937_600.0) * E10,
    (23.0 / 360.0) * E4
        + (251.0 / 3780.0) * E6
        + (102_287.0 / 1_814_400.0) * E8
        + (450_739.0 / 9_979_200.0) * E10,
    (761.0 / 45360.0) * E6 + (47561.0 / 1_814_400.0) * E8 + (434_501.0 / 14_968_800.0) * E10,
    (6059.0 / 1_209_600.0) * E8 + (625_511.0 / 59_875_200.0) * E10,
    (48017.0 / 29_937_600.0) * E10,
];

/// `x + Σ c[k]·sin(2(k+1)x)`, with sin(2kx) from the recurrence
/// `sin(2(k+1)x) = 2cos(2x)·sin(2kx) − sin(2(k−1)x)`.
#[inline]
fn series(x: f64, c: &[f64; 5]) -> f64 {
    let (s2, c2) = (2.0 * x).sin_cos();
    let two_c2 = 2.0 * c2;
    let (mut prev, mut cur) = (0.0, s2);
    let mut acc = c[0] * s2;
    for &ck in &c[1..] {
        let next = two_c2 * cur - prev;
        prev = cur;
        cur = next;
        acc += ck * next;
    }
    x + acc
}

#[inline]
fn convert(lat_deg: f64, c: &[f64; 5]) -> f64 {
    if !lat_deg.is_finite() {
        return lat_deg;
    }
    let out = series(lat_deg.to_radians(), c).to_degrees();
    // MORTON.md §5: clamp only what came in range (mortie's contract).
    if lat_deg.abs() <= 90.0 {
        out.clamp(-90.0, 90.0)
    } else {
        out
    }
}

/// Geodetic latitude (degrees, WGS84) → authalic latitude (degrees).
///
/// Non-finite input is returned unchanged. 0 and ±90 are fixed points.
/// In-range input gives in-range output (clamped to [-90, 90]); input
/// beyond ±90 passes through the series unclamped, as in mortie. magg's
/// encoders reject |lat| > 90 before calling this.
#[inline]
pub fn geodetic_to_authalic(lat_deg: f64) -> f64 {
    convert(lat_deg, &TO_AUTHALIC)
}

/// [`geodetic_to_authalic`] for a latitude already checked to be finite
/// and within [-90, 90] (the hot path of the encoders: same arithmetic,
/// without the repeated checks).
#[inline]
pub(crate) fn geodetic_to_authalic_checked(lat_deg: f64) -> f64 {
    series(lat_deg.to_radians(), &TO_AUTHALIC)
        .to_degrees()
        .clamp(-90.0, 90.0)
}

/// Authalic latitude (degrees) → geodetic latitude (degrees, WGS84).
#[inline]
pub fn authalic_to_geodetic(lat_deg: f64) -> f64 {
    convert(lat_deg, &TO_GEODETIC)
}
