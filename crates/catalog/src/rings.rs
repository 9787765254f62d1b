//! Checks on user-given region rings that the coverage code is lenient
//! about: RFC 7946 rings must be closed (last position = first), and a ring
//! that crosses itself has no well-defined inside. Edges are great-circle
//! arcs in the authalic frame, as the coverage computes them.

use serde_json::Value;

/// Every ring of every Polygon/MultiPolygon in `doc`: `Err(reason)` naming
/// the ring (JSON path) and the crossing edges for the first bad one.
pub(crate) fn check(doc: &Value) -> Result<(), String> {
    let mut rings = Vec::new();
    collect(doc, "$", &mut rings);
    for (path, ring) in rings {
        check_ring(&path, ring)?;
    }
    Ok(())
}

fn collect<'a>(v: &'a Value, path: &str, out: &mut Vec<(String, &'a [Value])>) {
    match v {
        Value::Object(m) => {
            let kind = m.get("type").and_then(Value::as_str);
            match (kind, m.get("coordinates")) {
                (Some("Polygon"), Some(Value::Array(rings))) => {
                    push_rings(rings, &format!("{path}.coordinates"), out);
                }
                (Some("MultiPolygon"), Some(Value::Array(polys))) => {
                    for (i, p) in polys.iter().enumerate() {
                        if let Value::Array(rings) = p {
                            push_rings(rings, &format!("{path}.coordinates[{i}]"), out);
                        }
                    }
                }
                _ => {
                    for (k, x) in m {
                        collect(x, &format!("{path}.{k}"), out);
                    }
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn push_rings<'a>(rings: &'a [Value], path: &str, out: &mut Vec<(String, &'a [Value])>) {
    for (i, r) in rings.iter().enumerate() {
        if let Value::Array(r) = r {
            out.push((format!("{path}[{i}]"), r));
        }
    }
}

type V3 = [f64; 3];

fn unit(pos: &Value) -> Option<V3> {
    let lon = pos.get(0)?.as_f64()?.to_radians();
    let lat = magg_morton::geodetic_to_authalic(pos.get(1)?.as_f64()?).to_radians();
    Some([lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()])
}

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Whether the minor arcs `ab` and `cd` cross at an interior point.
#[allow(clippy::many_single_char_names)]
fn arcs_cross(a: V3, b: V3, c: V3, d: V3) -> bool {
    let (n1, n2) = (cross(a, b), cross(c, d));
    let l = cross(n1, n2);
    let len = dot(l, l).sqrt();
    if len < 1e-15 {
        return false; // same great circle: overlap is not a crossing here
    }
    let on =
        |p: V3, a: V3, b: V3, n: V3| dot(cross(a, p), n) > 1e-15 && dot(cross(p, b), n) > 1e-15;
    [1.0, -1.0].iter().any(|&s| {
        let p = [s * l[0] / len, s * l[1] / len, s * l[2] / len];
        on(p, a, b, n1) && on(p, c, d, n2)
    })
}

fn check_ring(path: &str, ring: &[Value]) -> Result<(), String> {
    let (Some(first), Some(last)) = (ring.first(), ring.last()) else {
        return Err(format!("ring {path} is empty"));
    };
    if ring.len() < 4 || first != last {
        return Err(format!(
            "ring {path} is not closed (GeoJSON rings repeat the first position last, at least 4 positions)"
        ));
    }
    let v: Vec<V3> = ring[..ring.len() - 1]
        .iter()
        .map(unit)
        .collect::<Option<_>>()
        .ok_or_else(|| format!("ring {path} has a position that is not [lon, lat]"))?;
    let n = v.len();
    for i in 0..n {
        for j in i + 2..n {
            if i == 0 && j == n - 1 {
                continue; // adjacent through the closing edge
            }
            if arcs_cross(v[i], v[(i + 1) % n], v[j], v[(j + 1) % n]) {
                return Err(format!(
                    "ring {path} intersects itself: edge {i}-{} crosses edge {j}-{}",
                    i + 1,
                    (j + 1) % n
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(s: &str) -> Result<(), String> {
        check(
            &serde_json::from_str(&format!(r#"{{"type":"Polygon","coordinates":[[{s}]]}}"#))
                .unwrap(),
        )
    }

    #[test]
    fn closed_simple_rings_pass_either_winding() {
        assert!(ring("[0,0],[10,0],[10,10],[0,10],[0,0]").is_ok());
        assert!(ring("[0,0],[0,10],[10,10],[10,0],[0,0]").is_ok());
    }

    #[test]
    fn bowties_and_open_rings_fail() {
        let e = ring("[0,0],[10,10],[10,0],[0,10],[0,0]").unwrap_err();
        assert!(
            e.contains("intersects itself") && e.contains("$.coordinates[0]"),
            "{e}"
        );
        assert!(
            ring("[0,0],[10,0],[10,10],[0,10]")
                .unwrap_err()
                .contains("not closed")
        );
    }
}
