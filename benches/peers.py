"""plan-index against numpy, faiss and usearch on the same vectors, in one run, one core each.

`gen DIR` writes random unit vectors (rounded to 5 decimals, so the JSON our baker reads and
the float32 arrays the peers use are the same numbers) as one index directory per dimension
(`DIR/d<dim>/manifest.json` + one `<collection>.json` per size, metric `dot`) and the queries
as raw little-endian float32 (`DIR/<collection>.queries.f32`). Each size but the 100,000-row
scale point is also written as `<collection>_f16` and `<collection>_i8`, the same rows with
the manifest's per-collection `storage` override, so our f16 and i8 storage are timed in the
same run (their results must equal our f32 results exactly).

`run DIR` starts the function under the Runtime API emulator (scripts/emulator.py), pinned to
core 1 like this process, and times, interleaved round by round: one query per direct
invocation (the reply's `search_us`) and a batch per invocation (`search_us` / queries), against
numpy per query (`M @ q` + argpartition), numpy batched (`Q @ M.T` + argpartition), faiss
`IndexFlatIP` and usearch's exact search. Prints a markdown table of medians, and checks that
every method returns the same top-10 ids for the same queries.

A batch is sent as `vector_b64` (one base64 string of the n x dim little-endian floats, with
`"n"`), as a numpy caller would send it: 300 x 1536 floats as JSON numbers (`tolist()`, 17
significant digits) are a 10 MB request, over Lambda's 6 MB limit on a synchronous invocation's
payload, while their base64 is 2.5 MB. The same batch as JSON numbers is timed too, just before
(the emulator does not enforce the limit), as a reference column; it also puts our timed batch
after another pass over the same rows by the same process, as faiss's follows numpy's.

Interleaving query by query puts every method's single query after the others have run (and
the function's reply has crossed the emulator), so rows and code start cold on both sides:
numpy's 100 x 1536 query takes ~230 us there against ~10 us in a loop. So each round also
times the single queries back to back, ours (one invocation after another) and numpy's (one
call after another), and a third table sets those side by side: the stricter comparison for
us, since numpy's loop keeps its rows in the cache and a Lambda invocation never gets that.

Driven by scripts/bench-peers.sh, which makes the venv and builds the function per dimension.
"""

import base64
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))

K = 10
# (collection, rows, dim, queries in a batch)
SIZES = [
    ("c100x1536", 100, 1536, 300),
    ("c10000x1536", 10_000, 1536, 100),
    ("c10000x384", 10_000, 384, 300),
    ("c100000x384", 100_000, 384, 100),
]
SINGLE = 30  # queries timed one by one per round
# Our compact storages, baked beside f32 for the sizes that are not the scale point.
COMPACT = [s for s in os.environ.get("BENCH_STORAGE", "f16,i8").split(",") if s]


def compact_for(n):
    return COMPACT if n < 100_000 else []
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def wanted():
    only = os.environ.get("BENCH_SIZES")
    return [s for s in SIZES if not only or s[0] in only.split(",")]


def unit_rows(rng, n, dim):
    m = rng.standard_normal((n, dim))
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    # np.round's result is the double nearest to the 5-decimal text written below, so the
    # baker (text -> f64 -> f32) and the peers (this array -> f32) hold the same floats.
    return np.round(m, 5)


def gen(root):
    rng = np.random.default_rng(2026)
    manifests = {}
    for name, n, dim, nq in wanted():
        folder = os.path.join(root, f"d{dim}")
        os.makedirs(folder, exist_ok=True)
        manifest = manifests.setdefault(
            folder, {"model": "random", "dim": dim, "metric": "dot", "collections": {}})
        for storage in compact_for(n):
            manifest["collections"][f"{name}_{storage}"] = {"storage": storage}
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        rows = unit_rows(rng, n, dim)
        rows.astype("<f4").tofile(os.path.join(root, f"{name}.rows.f32"))
        with open(os.path.join(folder, f"{name}.json"), "w") as f:
            f.write("[")
            for i, row in enumerate(rows):
                f.write(("," if i else "") + f'{{"id":"r{i}","embedding":[')
                f.write(",".join(f"{x:.5f}" for x in row))
                f.write("]}")
            f.write("]")
        for storage in compact_for(n):
            os.link(os.path.join(folder, f"{name}.json"),
                    os.path.join(folder, f"{name}_{storage}.json"))
        queries = rng.standard_normal((max(nq, SINGLE), dim)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        queries.astype("<f4").tofile(os.path.join(root, f"{name}.queries.f32"))
        print(f"wrote {name}: {n} x {dim}, {len(queries)} queries")


def top_ids(scores):
    top = np.argpartition(-scores, K)[:K]
    return top[np.argsort(-scores[top], kind="stable")]


class Peers:
    """The Python side: one collection's matrix in every library's own structure."""

    def __init__(self, rows):
        import faiss
        from usearch.index import MetricKind, search

        faiss.omp_set_num_threads(1)
        self.rows = rows
        self.faiss = faiss.IndexFlatIP(rows.shape[1])
        self.faiss.add(rows)
        self.usearch = lambda q: search(rows, q, K, MetricKind.IP, exact=True, threads=1)

    def numpy_one(self, q):
        return top_ids(self.rows @ q)

    def numpy_batch(self, queries):
        scores = queries @ self.rows.T
        return [top_ids(s) for s in scores]

    def faiss_search(self, queries):
        return self.faiss.search(queries, K)[1]

    def usearch_search(self, queries):
        return self.usearch(queries).keys


def timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - started) * 1e6, out


def ids_of(reply):
    lists = [q["results"] for q in reply["queries"]] if "queries" in reply else [reply["results"]]
    return [[int(r["id"][1:]) for r in results] for results in lists]


def bench_collection(emu, name, rows, queries, nq):
    peers = Peers(rows)
    single = queries[:SINGLE]
    batch = queries[:nq]
    storages = compact_for(len(rows))
    keys = ["ours1", "np1", "faiss1", "us1", "oursB", "oursBjson", "npB", "faissB", "usB"]
    keys += [f"ours1_{s}" for s in storages] + [f"oursB_{s}" for s in storages]
    keys += ["ours1w", "np1w"] + [f"ours1w_{s}" for s in storages]
    times = {key: [] for key in keys}
    agree = {"numpy": 0, "faiss": 0, "usearch": 0, "total": 0, "compact": 0, "compact_total": 0}

    def ours(vectors, collection=name, b64=False):
        body = {"action": "search", "collection": collection, "k": K}
        if b64:
            body["vector_b64"] = base64.b64encode(vectors.astype("<f4").tobytes()).decode()
            body["n"] = len(vectors)
        else:
            body["vector"] = vectors.tolist()
        status, reply = emu.invoke(body)
        if status != 200 or "error" in reply:
            raise SystemExit(f"error: plan-index refused the search: {str(reply)[:300]}")
        return reply["search_us"], ids_of(reply)

    def exact(reply_ids, want):
        agree["compact_total"] += 1
        agree["compact"] += reply_ids == want

    ours(single[0])  # warm: first touch of the rows
    for storage in storages:
        ours(single[0], f"{name}_{storage}")  # and of the compact rows (their checksum)
    for _ in range(ROUNDS):
        for q in single:
            us, got = ours(q)
            times["ours1"].append(us)
            for storage in storages:
                us_c, got_c = ours(q, f"{name}_{storage}")
                times[f"ours1_{storage}"].append(us_c)
                exact(got_c, got)
            t, want = timed(peers.numpy_one, q)
            times["np1"].append(t)
            t, f = timed(peers.faiss_search, q[None, :])
            times["faiss1"].append(t)
            t, u = timed(peers.usearch_search, q[None, :])
            times["us1"].append(t)
            agree["total"] += 1
            agree["numpy"] += got[0] == list(want)
            agree["faiss"] += got[0] == list(f[0])
            agree["usearch"] += got[0] == [int(x) for x in np.asarray(u).reshape(-1)[:K]]
        # Back to back: each side's single queries one after another.
        for q in single:
            times["ours1w"].append(ours(q)[0])
        for storage in storages:
            for q in single:
                times[f"ours1w_{storage}"].append(ours(q, f"{name}_{storage}")[0])
        for q in single:
            times["np1w"].append(timed(peers.numpy_one, q)[0])
        # The JSON batch first: each side's timed batch then follows another pass over the
        # same rows by the same process (faiss follows numpy's batch over the same array).
        us_json, got_json = ours(batch)
        times["oursBjson"].append(us_json / nq)
        us, got = ours(batch, b64=True)
        times["oursB"].append(us / nq)
        if got_json != got:
            raise SystemExit(f"error: {name}: the batch as JSON numbers and as vector_b64 "
                             "gave different results")
        for storage in storages:
            us_c, got_c = ours(batch, f"{name}_{storage}", b64=True)
            times[f"oursB_{storage}"].append(us_c / nq)
            exact(got_c, got)
        t, want = timed(peers.numpy_batch, batch)
        times["npB"].append(t / nq)
        t, f = timed(peers.faiss_search, batch)
        times["faissB"].append(t / nq)
        t, _ = timed(peers.usearch_search, batch)
        times["usB"].append(t / nq)
        agree["total"] += nq
        agree["numpy"] += sum(g == list(w) for g, w in zip(got, want))
        agree["faiss"] += sum(g == list(x) for g, x in zip(got, f))
    return {key: statistics.median(v) for key, v in times.items()}, agree


def run(root):
    from emulator import Emulator

    results = []
    with Emulator() as emu:
        os.sched_setaffinity(0, {1})
        for dim in sorted({s[2] for s in wanted()}, reverse=True):
            binary = os.path.join(root, f"lambda-d{dim}")
            emu.spawn(["taskset", "-c", "1", binary], keep_logs=False)
            for _ in range(100):
                try:
                    if emu.invoke({"action": "health"}, timeout=5)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            for name, n, d, nq in [s for s in wanted() if s[2] == dim]:
                rows = np.fromfile(os.path.join(root, f"{name}.rows.f32"), dtype="<f4")
                rows = rows.reshape(n, d)
                queries = np.fromfile(os.path.join(root, f"{name}.queries.f32"), dtype="<f4")
                queries = queries.reshape(-1, d)
                medians, agree = bench_collection(emu, name, rows, queries, nq)
                results.append((name, n, d, nq, medians, agree))
                print(f"measured {name}", file=sys.stderr)
            emu.stop_function()
    report(results)
    compact_report(results)
    back_to_back_report(results)


def back_to_back_report(results):
    """Single queries back to back on each side (see the module docs)."""
    print()
    print("Single queries back to back (ours: one direct invocation after another; numpy: one "
          "call after another in a loop, its rows staying in the cache):")
    print()
    print("| collection | plan-index f32 | f16 | i8 | numpy per query, in a loop "
          "| f32 / numpy | f16 / numpy | i8 / numpy |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, d, nq, m, agree in results:
        compact = {s: m.get(f"ours1w_{s}") for s in ("f16", "i8")}
        cells = [f"{v:.1f} us" if v else "-" for v in compact.values()]
        ratios = [f"{v / m['np1w']:.2f}x" if v else "-" for v in compact.values()]
        print(f"| {n:,} x {d} | {m['ours1w']:.1f} us | {cells[0]} | {cells[1]} | "
              f"{m['np1w']:.1f} us | {m['ours1w'] / m['np1w']:.2f}x | {ratios[0]} | {ratios[1]} |")


def compact_report(results):
    """Our f16 and i8 storage against our f32 and numpy, same queries, same run."""
    print()
    print("| collection | mode | plan-index f32 | f16 | i8 | i8 / numpy f32 per query "
          "| f16 / numpy | f32 / numpy | compact results equal to f32 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n, d, nq, m, agree in results:
        if "ours1_i8" not in m or "ours1_f16" not in m:
            continue
        label = f"{n:,} x {d}"
        same = f"{agree['compact']}/{agree['compact_total']}"
        for mode, key in (("single", "ours1"), (f"batch of {nq}", "oursB")):
            print(f"| {label} | {mode} | {m[key]:.1f} us | {m[key + '_f16']:.1f} us | "
                  f"{m[key + '_i8']:.1f} us | {m[key + '_i8'] / m['np1']:.2f}x | "
                  f"{m[key + '_f16'] / m['np1']:.2f}x | {m[key] / m['np1']:.2f}x | {same} |")


def report(results):
    print("| collection | mode | plan-index | numpy per query | numpy batched | faiss IndexFlatIP "
          "| usearch exact | plan-index / faiss | plan-index / numpy per query "
          "| batch as JSON numbers (/ faiss) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, n, d, nq, m, agree in results:
        label = f"{n:,} x {d}"
        print(f"| {label} | single | {m['ours1']:.1f} us | {m['np1']:.1f} us | - | "
              f"{m['faiss1']:.1f} us | {m['us1']:.1f} us | {m['ours1'] / m['faiss1']:.2f}x | "
              f"{m['ours1'] / m['np1']:.2f}x | - |")
        print(f"| {label} | batch of {nq} | {m['oursB']:.1f} us | {m['np1']:.1f} us | "
              f"{m['npB']:.1f} us | {m['faissB']:.1f} us | {m['usB']:.1f} us | "
              f"{m['oursB'] / m['faissB']:.2f}x | {m['oursB'] / m['np1']:.2f}x | "
              f"{m['oursBjson']:.1f} us ({m['oursBjson'] / m['faissB']:.2f}x) |")
    print()
    print("Per query, medians over interleaved rounds; one core (taskset -c 1, one thread each).")
    print("Single queries are sent as JSON numbers, batches as vector_b64 (module docs); the last")
    print("column is the same batch sent as JSON numbers.")
    for name, n, d, nq, m, agree in results:
        print(f"{name}: same top-{K} ids as numpy {agree['numpy']}/{agree['total']}, "
              f"faiss {agree['faiss']}/{agree['total']}, usearch (single) "
              f"{agree['usearch']}/{agree['total'] - ROUNDS * nq}")


if __name__ == "__main__":
    {"gen": gen, "run": run}[sys.argv[1]](sys.argv[2])
