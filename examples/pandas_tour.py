#!/usr/bin/python3
"""A notebook-style tour of flows with pandas: top talkers, top services, and a
bytes time series saved as a PNG.

    pandas_tour.py FLOWFILE [PLOT.png]
    pandas_tour.py --root-directory=data --start=2026/11/26 --end=2026/11/26:23 [PLOT.png]

Filtering and aggregation run in weir's C++ (weir.query); weir.read gives the
records themselves as a DataFrame for anything else.
"""
import argparse

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

import weir  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?")
    parser.add_argument("plot", nargs="?", default="bytes.png")
    parser.add_argument("--root-directory")
    parser.add_argument("--start")
    parser.add_argument("--end")
    args = parser.parse_args()
    where = dict(paths=args.file) if args.file else dict(root=args.root_directory,
                                                        start=args.start, end=args.end)

    # Top talkers by bytes, and what share of all bytes each one has.
    talkers = weir.query("stats", keys=["sip"], values=["bytes", "records"], top=10, **where)
    print("Top talkers by bytes:")
    print(talkers.to_string(index=False))

    # The records themselves: top services (protocol, destination port) by flows.
    flows = weir.read(columns=["protocol", "dport", "bytes", "stime"], **where)
    services = (flows.groupby(["protocol", "dport"], observed=True)
                .agg(flows=("bytes", "size"), bytes=("bytes", "sum"))
                .sort_values("flows", ascending=False).head(10))
    print("\nTop services by flows:")
    print(services.to_string())

    # Bytes per 5 minutes, spread over each flow's duration as rwcount does.
    series = weir.query("count", bin_size=300, **where)
    ax = (series["bytes"] * 8 / 300 / 1e6).plot(figsize=(10, 4), title="Traffic")
    ax.set_ylabel("Mbit/s")
    ax.set_xlabel("time (UTC)")
    plt.tight_layout()
    plt.savefig(args.plot, dpi=80)
    print("\n%d flows, %d bins; plot in %s" % (len(flows), len(series), args.plot))


if __name__ == "__main__":
    main()
