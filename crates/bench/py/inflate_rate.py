"""Inflate rate of the deflate backends on the chunks of real files: the
physical floor of the read path (BENCHMARKS.md, "Physical limits").

    pip install h5py deflate isal
    python3 crates/bench/py/inflate_rate.py DIR [N_FILES]

Reads the stored (compressed) chunks of the five ATL06 columns of every beam
of the first N_FILES granules in DIR (h5py `read_direct_chunk`, not timed),
then decodes them all with zlib, ISA-L and libdeflate (the backend magg-h5
uses, through the `deflate` package), best of 5, and prints MB/s of output.
"""
import glob
import sys
import time
import zlib

import h5py

COLUMNS = ["latitude", "longitude", "h_li", "h_li_sigma", "atl06_quality_summary"]


def chunks(files):
    out = []
    for name in files:
        with h5py.File(name, "r") as f:
            for beam in [k for k in f if k.startswith("gt")]:
                group = f[beam].get("land_ice_segments")
                for column in COLUMNS if group is not None else []:
                    ds = group[column]
                    for i in range(ds.id.get_num_chunks()):
                        info = ds.id.get_chunk_info(i)
                        out.append(ds.id.read_direct_chunk(info.chunk_offset)[1])
    return out


def rate(decode, data, raw):
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for c in data:
            decode(c)
        best = min(best, time.perf_counter() - start)
    return raw / best / 1e6


def main():
    files = sorted(glob.glob(sys.argv[1] + "/*.h5"))[: int(sys.argv[2]) if len(sys.argv) > 2 else 6]
    data = chunks(files)
    sizes = [len(zlib.decompress(c)) for c in data]
    raw, stored = sum(sizes), sum(len(c) for c in data)
    print(f"{len(data)} chunks of {len(files)} files: {stored / 1e6:.1f} MB stored -> {raw / 1e6:.1f} MB")
    print(f"zlib: {rate(zlib.decompress, data, raw):.0f} MB/s out")
    try:
        from isal import isal_zlib

        print(f"isa-l: {rate(isal_zlib.decompress, data, raw):.0f} MB/s out")
    except ImportError:
        print("isa-l: not installed (pip install isal)")
    try:
        import deflate

        cap = max(sizes)
        print(f"libdeflate: {rate(lambda c: deflate.zlib_decompress(c, cap), data, raw):.0f} MB/s out")
    except ImportError:
        print("libdeflate: not installed (pip install deflate)")


if __name__ == "__main__":
    main()
