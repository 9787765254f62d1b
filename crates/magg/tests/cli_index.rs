//! `magg index` and `magg cell` against mortie itself on fresh random
//! points (not the golden sample): uniform, Antarctic, and points within
//! 1e-9 degrees of cell corners and edges, where ties are decided.

use std::io::Write;
use std::process::{Command, Stdio};

const MAKE_POINTS: &str = r#"
import sys, numpy as np, mortie
rng = np.random.default_rng(int(sys.argv[1]))
n = 40000
z = rng.uniform(-1, 1, n); lat_g = np.degrees(np.arcsin(z)); lon_g = rng.uniform(-180, 180, n)
z = rng.uniform(-1, -np.sin(np.radians(60)), n); lat_a = np.degrees(np.arcsin(z)); lon_a = rng.uniform(-540, 720, n)
# corners and edge midpoints of random order-6/12 cells, jittered by <= 1e-9 deg
cells = mortie.geo2mort(lat_g[:3000], lon_g[:3000], order=12)
ring_lat, ring_lon = [], []
for w in cells[:1500]:
    p = np.asarray(mortie.mort2polygon(int(w)))[:4]
    ring_lat.extend(p[:, 0]); ring_lon.extend(p[:, 1])
    ring_lat.extend((p[:, 0] + np.roll(p[:, 0], 1)) / 2); ring_lon.extend((p[:, 1] + np.roll(p[:, 1], 1)) / 2)
ring_lat = np.clip(np.asarray(ring_lat) + rng.uniform(-1e-9, 1e-9, len(ring_lat)), -90, 90)
ring_lon = np.asarray(ring_lon) + rng.uniform(-1e-9, 1e-9, len(ring_lon))
lat = np.concatenate([lat_g, lat_a, ring_lat, [90, -90, 0, -0.0]])
lon = np.concatenate([lon_g, lon_a, ring_lon, [-180, 180, -0.0, 0.0]])
with open(sys.argv[2], "w") as f:
    f.write("lat,lon\n")
    for a, b in zip(lat, lon):
        f.write(f"{float(a)!r},{float(b)!r}\n")
for order in (0, 6, 12, 18, 29):
    with open(f"{sys.argv[2]}.m{order}", "w") as f:
        f.write("\n".join(str(int(w)) for w in mortie.geo2mort(lat, lon, order=order)) + "\n")
with open(f"{sys.argv[2]}.label12", "w") as f:
    f.write("\n".join(str(mortie.MortonWord(int(w))) for w in mortie.geo2mort(lat, lon, order=12)) + "\n")
"#;

fn magg(args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_magg"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    // The child may stop reading early (it exits on a bad line).
    let _ = writer.join().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn index_agrees_with_mortie_on_fresh_points() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    // A new seed each run: the golden set is a sample, this is the claim.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000_007;
    magg_testkit::run_python(MAKE_POINTS, &[&seed.to_string(), csv.to_str().unwrap()]);
    let input = std::fs::read(&csv).unwrap();
    for order in ["0", "6", "12", "18", "29"] {
        let (ok, out, err) = magg(&["index", "--order", order], &input);
        assert!(ok, "order {order}: {err}");
        let want = std::fs::read_to_string(format!("{}.m{order}", csv.display())).unwrap();
        let (got, want): (Vec<&str>, Vec<&str>) = (out.lines().collect(), want.lines().collect());
        assert_eq!(got.len(), want.len());
        let bad: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
        assert!(
            bad.is_empty(),
            "seed {seed} order {order}: {} differ, first at data line {}",
            bad.len(),
            bad[0] + 1
        );
    }
    let (ok, out, _) = magg(&["index", "--order", "12", "--to", "label"], &input);
    assert!(ok);
    let want = std::fs::read_to_string(format!("{}.label12", csv.display())).unwrap();
    assert!(out == want, "labels differ (seed {seed})");
}

#[test]
fn index_reports_bad_line_and_fails() {
    let (ok, out, err) = magg(
        &["index", "--order", "6"],
        b"lat,lon\n-80,120\n\n-80,abc\n1,2\n",
    );
    assert!(!ok);
    assert_eq!(
        out, "11570310392668225542\n",
        "points before the bad line are written"
    );
    assert!(err.contains("line 4"), "{err}");
    let (ok, _, err) = magg(&["index", "--order", "6"], b"-80,120\n91,0\n");
    assert!(!ok && err.contains("line 2") && err.contains("91"), "{err}");
    let (ok, _, err) = magg(&["index", "--order", "6"], b"-80,120,5\n");
    assert!(!ok && err.contains("line 1"), "{err}");
    let (ok, _, err) = magg(&["index", "--order", "6"], b"nan,0\n");
    assert!(!ok && err.contains("line 1"), "{err}");
    let (ok, _, _) = magg(&["index", "--order", "30"], b"0,0\n");
    assert!(!ok, "order 30 is refused");
    let (ok, out, _) = magg(&["index", "--order", "6", "--to", "ipix"], b"-80,120\n");
    assert!(ok);
    assert_eq!(out, "37010\n");
}

#[test]
fn cell_describes_a_word_and_a_label() {
    for arg in [
        "11570390794456006668",
        "-4113213213213",
        "0xa09249200000000c",
    ] {
        let (ok, out, err) = magg(&["cell", arg], b"");
        assert!(ok, "{arg}: {err}");
        assert!(out.contains("order:     12"), "{out}");
        assert!(out.contains("nested:    151594130"), "{out}");
        assert!(
            out.contains("parent6:   11570310392668225542 (-4113213)"),
            "{out}"
        );
    }
    let (ok, out, _) = magg(&["cell", "--json", "11570310392668225542"], b"");
    assert!(ok);
    assert!(out.contains("\"nested\":37010"), "{out}");
    let (ok, _, err) = magg(&["cell", "1152921504607895557"], b"");
    assert!(!ok && err.contains("malformed"), "{err}");
}
