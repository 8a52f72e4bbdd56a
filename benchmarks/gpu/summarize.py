#!/usr/bin/env python3
"""Helpers of benchmarks/gpu/run_all.sh (standard library only; runs on the CPU machine and on the GPU machine).

  summarize.py sizes KIT                       what travels: working tree + kit, as JSON; exit 1 above the limit
  summarize.py compare-fit A.csv B.csv         two `scalespace fit -o` CSVs: families identical? largest differences
  summarize.py summary WORK OUT MODE START KIT [--final]
                                               OUT/summary.json from the step records and outputs in WORK; with
                                               --final also prints the tables and exits 1 when a step failed
  summarize.py check-dry SUMMARY.json          CI: the dry run ran every step, none failed, the kit is within
                                               the size limit, CUDA was skipped with reasons, no figure claims a GPU
"""
import csv
import fnmatch
import glob
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

LIMIT_MIB = 60
MIB = 1048576
# multiply-adds of the coarse fit per 7x7 filter on the default grid (8 families; benchmarks/RESULTS.md, "Operation
# count and machine limit")
FIT_MACS_PER_FILTER = 127_000
FIT_TARGET = 3_000_000
MAIN_SHAPE = (64, 96, 56, 56)
MAIN_SHAPE_DRY = (2, 96, 56, 56)
# FP32 lanes per SM by compute capability (NVIDIA's CUDA C Programming Guide, arithmetic instruction throughput)
FP32_LANES = {"7.0": 64, "7.2": 64, "7.5": 64, "8.0": 64, "8.6": 128, "8.7": 128, "8.9": 128, "9.0": 128}
LOG_CAP = 15 * MIB


# ---------------------------------------------------------------------------------------------------------------- sizes
def _ignored_patterns(root):
    pats = []
    try:
        for line in open(os.path.join(root, ".gitignore")):
            line = line.strip()
            if line and not line.startswith("#"):
                pats.append(line)
    except OSError:
        pass
    return pats


def _is_ignored(rel, pats):
    parts = rel.split("/")
    for p in pats:
        anchored = p.startswith("/")
        q = p.strip("/")
        if anchored:
            if fnmatch.fnmatch(parts[0], q) or rel == q or rel.startswith(q + "/"):
                return True
        else:
            if any(fnmatch.fnmatch(x, q) for x in parts) or fnmatch.fnmatch(rel, q) or rel.startswith(q + "/"):
                return True
    return False


def tree_bytes(root, kit):
    """Bytes the device machine copies of the working tree: tracked plus untracked-not-ignored files (git), or,
    where there is no git (the device machine's copy), every file outside .git, the kit and the git-ignored paths."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, check=True).stdout
        files = [p for p in set(out.decode("utf-8", "surrogateescape").split("\0")) if p]
        how = "git ls-files (tracked + untracked-not-ignored)"
    except (OSError, subprocess.CalledProcessError):
        pats = _ignored_patterns(root)
        kit_rel = os.path.relpath(os.path.abspath(kit), root)
        files = []
        for base, dirs, names in os.walk(root):
            rel_base = os.path.relpath(base, root)
            rel_base = "" if rel_base == "." else rel_base + "/"
            dirs[:] = [d for d in dirs if d != ".git" and rel_base + d != kit_rel
                       and not _is_ignored(rel_base + d + "/", pats) and not _is_ignored(rel_base + d, pats)]
            files += [rel_base + n for n in names if not _is_ignored(rel_base + n, pats)]
        how = "every file outside .git, the kit and .gitignore's paths (no git here)"
    total = n = 0
    for p in files:
        full = os.path.join(root, p)
        if os.path.lexists(full) and not os.path.isdir(full):
            total += os.lstat(full).st_size
            n += 1
    return total, n, how


def dir_bytes(d):
    total = n = 0
    for base, _, names in os.walk(d):
        for f in names:
            total += os.lstat(os.path.join(base, f)).st_size
            n += 1
    return total, n


def cmd_sizes(kit):
    root = os.getcwd()
    tree, ntree, how = tree_bytes(root, kit)
    kb, nk = dir_bytes(kit)
    d = {"tree_bytes": tree, "tree_files": ntree, "tree_measured_by": how, "kit_bytes": kb, "kit_files": nk,
         "total_bytes": tree + kb, "tree_mib": round(tree / MIB, 2), "kit_mib": round(kb / MIB, 2),
         "total_mib": round((tree + kb) / MIB, 2), "limit_mib": LIMIT_MIB,
         "within_limit": tree + kb <= LIMIT_MIB * MIB}
    print(json.dumps(d))
    return 0 if d["within_limit"] else 1


# ---------------------------------------------------------------------------------------------------------- compare-fit
def cmd_compare_fit(a, b):
    ra, rb = list(csv.DictReader(open(a))), list(csv.DictReader(open(b)))
    d = {"filters": len(ra), "families_identical": 0, "max_abs_diff": {}}
    if len(ra) != len(rb) or not ra:
        d["error"] = f"{len(ra)} rows against {len(rb)}"
        print(json.dumps(d))
        return 1
    cols = ("sigma_x", "sigma_y", "alpha", "gain", "offset", "rel_l2")
    for x, y in zip(ra, rb):
        d["families_identical"] += x["family"] == y["family"]
        for c in cols:
            diff = abs(float(x[c]) - float(y[c]))
            d["max_abs_diff"][c] = max(d["max_abs_diff"].get(c, 0.0), diff)
    d["max_abs_diff"] = {k: float(f"{v:.3g}") for k, v in d["max_abs_diff"].items()}
    d["ok"] = d["families_identical"] == len(ra)
    print(json.dumps(d))
    return 0 if d["ok"] else 1


# -------------------------------------------------------------------------------------------------------------- summary
def read_tsv(path, names):
    rows = []
    if os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 2:
                rows.append(dict(zip(names, f + [""] * (len(names) - len(f)))))
    return rows


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def read(path):
    try:
        return open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return ""


def shape_key(s):
    return tuple(int(v) for v in s.split(","))


def parse_device(work):
    dev = {}
    txt = read(os.path.join(work, "nvsmi.csv")).strip().splitlines()
    if len(txt) >= 2 and "," in txt[0]:
        keys = [k.strip() for k in txt[0].split(",")]
        vals = [v.strip() for v in next(csv.reader([txt[1]]))]
        dev["nvidia_smi"] = dict(zip(keys, vals))
    info = read(os.path.join(work, "info.txt"))
    m = re.search(r"device (\d+): (.+?) \(compute capability (\d+)\.(\d+), (\d+) SMs, ([\d.]+) GiB", info)
    if m:
        dev.update(name=m.group(2), compute_capability=f"{m.group(3)}.{m.group(4)}", sms=int(m.group(5)),
                   memory_gib=float(m.group(6)))
    m = re.search(r"driver: CUDA ([\d.]+)", info)
    if m:
        dev["cuda_driver_api"] = m.group(1)
    m = re.search(r"the opencl backend uses device (.+)", info)
    dev["opencl_device"] = m.group(1) if m else None
    m = re.search(r"CUDA:\n(?:.*\n)*?\s+unavailable: (.+)", info)
    dev["cuda_unavailable"] = m.group(1) if m else None
    smi = dev.get("nvidia_smi", {})
    mhz = num(re.sub(r"[^\d.]", "", smi.get("clocks.max.sm [MHz]", smi.get("clocks.max.sm", ""))))
    cc = dev.get("compute_capability") or smi.get("compute_cap")
    lanes = FP32_LANES.get(cc) or (128 if cc and cc.split(".")[0] in ("10", "11", "12") else None)
    if dev.get("sms") and lanes and mhz:
        dev["fp32_peak_gflops"] = round(dev["sms"] * lanes * 2 * mhz / 1000, 1)
        dev["fp32_peak_from"] = f"{dev['sms']} SMs x {lanes} FP32 lanes (cc {cc}) x 2 (FMA) x {mhz:.0f} MHz max SM clock"
    return dev


def parse_tests(work, out):
    t = {"tests": 0, "passed": 0, "failed": 0, "errors": 0, "skipped": 0, "failures": [], "skip_reasons": []}
    xmls = glob.glob(os.path.join(work, "junit", "**", "*.xml"), recursive=True)
    for x in xmls:
        try:
            root = ET.parse(x).getroot()
        except ET.ParseError:
            continue
        for tc in root.iter("testcase"):
            t["tests"] += 1
            name = tc.get("classname", "") + "." + tc.get("name", "")
            if tc.find("failure") is not None or tc.find("error") is not None:
                el = tc.find("failure") if tc.find("failure") is not None else tc.find("error")
                t["failed" if el.tag == "failure" else "errors"] += 1
                if len(t["failures"]) < 30:
                    t["failures"].append(f"{name}: {(el.get('message') or '')[:300]}")
            elif tc.find("skipped") is not None:
                t["skipped"] += 1
                why = (tc.find("skipped").get("message") or tc.find("skipped").text or "")[:200]
                if why and why not in t["skip_reasons"] and len(t["skip_reasons"]) < 10:
                    t["skip_reasons"].append(why)
            else:
                t["passed"] += 1
    if not xmls:
        log = read(os.path.join(out, "tests.log"))
        for k, pat in (("passed", "successful"), ("failed", "failed"), ("skipped", "skipped"), ("aborted", "aborted")):
            m = re.search(r"\[\s*(\d+) tests " + pat, log)
            if m:
                t[k] = int(m.group(1))
        t["from"] = "tests.log summary (no XML report)"
    return t


def parse_conv(work):
    res = {}
    for f in glob.glob(os.path.join(work, "conv", "*.txt")):
        b, kind, shape = os.path.basename(f)[:-4].split(".", 2)
        txt = read(f)
        m = re.search(r"^Mpx/s: ([\d.]+)", txt, re.M)
        med = re.search(r"median ([\d.]+) ms", txt)
        eng = re.search(r"^bench conv: (.+)", txt, re.M)
        res[(b, kind, shape)] = {"mpxs": float(m.group(1)) if m else None,
                                 "median_ms": float(med.group(1)) if med else None,
                                 "engine": eng.group(1)[:300] if eng else None}
    return res


def parse_fit(work):
    res = {}
    for f in glob.glob(os.path.join(work, "fit.*.txt")):
        _, b, how = os.path.basename(f)[:-4].split(".")
        txt = read(f)
        m = re.search(r"^filters/s: ([\d.]+)", txt, re.M)
        head = re.search(r"^bench fit: (.+)", txt, re.M)
        res[(b, how)] = {"filters_per_s": float(m.group(1)) if m else None,
                         "runs_s": [float(x) for x in re.findall(r"^run \d+: ([\d.]+) s", txt, re.M)],
                         "what": head.group(1) if head else None}
    return res


def anchor(vs, value, unit, ratio, ratio_unit, target=None, met=None, source=None):
    a = {"vs": vs, "value": value, "unit": unit, "ratio": ratio, "ratio_unit": ratio_unit}
    if target is not None:
        a["target"] = target
        a["met"] = met
    if source:
        a["source"] = source
    return a


def build_figures(mode, work, dev, steps, items):
    gpu = mode == "gpu"
    figs = []
    peers = {}
    pj = os.path.join(work, "peers.json")
    peers_doc = None
    if os.path.exists(pj):
        try:
            peers_doc = json.load(open(pj))
            peers = {tuple(s["shape"]): s for s in peers_doc.get("shapes", [])}
        except (ValueError, KeyError, TypeError):
            peers = {}
    peer_status = next((s for s in steps if s["name"] == "peers"), None)
    no_peer = "no PyTorch figure" + (f" (peers {peer_status['status']}: {peer_status['reason']})" if peer_status else "")
    main = MAIN_SHAPE if gpu else MAIN_SHAPE_DRY
    # the copy bandwidth of the largest tensor is the machine's reference figure
    copy_ref = peers.get(MAIN_SHAPE, {}).get("copy") if peers else None
    if copy_ref:
        figs.append({"id": "peer.copy.64x96x56x56", "what": "device-to-device copy (torch copy_), read + write",
                     "value": copy_ref["gbps"], "unit": "GB/s", "gpu_figure": gpu, "anchors": [],
                     "source": "peers.log"})
    for sh, p in sorted(peers.items()):
        tag = "x".join(map(str, sh))
        for key, what in (("dense", "PyTorch dense 7x7 depthwise, NCHW (the kernel PyTorch picks)"),
                          ("dense_channels_last", "PyTorch dense 7x7 depthwise, channels-last (cuDNN)"),
                          ("sep", "PyTorch 1x7 + 7x1 depthwise")):
            if p.get(key):
                figs.append({"id": f"peer.{key}.{tag}", "what": what + (f" [{p[key].get('backend')}]"
                                                                         if p[key].get("backend") else ""),
                             "value": p[key]["gpxs"], "unit": "Gpx/s", "gbps": p[key]["gbps"], "gpu_figure": gpu,
                             "anchors": [], "source": "peers.log"})
    for (b, kind, shape), r in sorted(parse_conv(work).items()):
        if r["mpxs"] is None:
            continue
        sh = shape_key(shape)
        tag = "x".join(map(str, sh))
        gpxs = r["mpxs"] / 1000
        gbps = gpxs * 8  # float32 in and out once
        f = {"id": f"conv.{b}.{kind}.{tag}.resident", "what": f"bench conv --resident, {kind} 7x7, {b}",
             "value": round(gpxs, 3), "unit": "Gpx/s", "gbps": round(gbps, 1), "median_ms": r["median_ms"],
             "engine": r["engine"], "gpu_figure": gpu, "anchors": [], "source": "bench.log"}
        p = peers.get(sh)
        is_main = sh == main and kind == "separable"
        if p and p.get("copy"):
            pct = 100 * gbps / p["copy"]["gbps"]
            f["anchors"].append(anchor("D2D copy of the same tensor (torch)", p["copy"]["gbps"], "GB/s",
                                       round(pct, 1), "% of copy bandwidth",
                                       ">= 75 %" if is_main else None, pct >= 75 if is_main else None))
        for key, label, tgt in (("dense_channels_last", "cuDNN dense 7x7 (channels-last)", 2.0),
                                ("dense", "PyTorch dense 7x7 (NCHW, its default kernel)", None)):
            if p and p.get(key):
                x = gpxs / p[key]["gpxs"]
                t = tgt if is_main else None
                f["anchors"].append(anchor(label + (f" [{p[key].get('backend')}]" if p[key].get("backend") else ""),
                                           p[key]["gpxs"], "Gpx/s", round(x, 2), "x",
                                           f">= {t:g}x" if t else None, x >= t if t else None))
        if not f["anchors"]:
            f["anchors_missing"] = no_peer
        figs.append(f)
    peak = dev.get("fp32_peak_gflops")
    for (b, how), r in sorted(parse_fit(work).items()):
        if r["filters_per_s"] is None:
            continue
        fps = r["filters_per_s"]
        f = {"id": f"fit.{b}.{how}", "what": f"bench fit, {'coarse grid only (--no-refine)' if how == 'coarse' else 'refinement on'}, {b}: {r['what']}",
             "value": round(fps), "unit": "filters/s", "runs_s": r["runs_s"], "gpu_figure": gpu, "anchors": [],
             "source": "bench.log"}
        f["anchors"].append(anchor("target", FIT_TARGET, "filters/s", round(fps / FIT_TARGET, 3), "x target",
                                   ">= 1x" if b == "cuda" else None, fps >= FIT_TARGET if b == "cuda" else None))
        if peak and how == "coarse":
            pct = 100 * fps * FIT_MACS_PER_FILTER * 2 / (peak * 1e9)
            f["anchors"].append(anchor(f"FP32 peak ({dev.get('fp32_peak_from')}); {FIT_MACS_PER_FILTER:,} "
                                       "multiply-adds per filter", peak, "GFLOP/s", round(pct, 2), "% of FP32 peak"))
        figs.append(f)
    for b in ("cuda", "opencl"):
        c = os.path.join(work, f"bundled.{b}.cmp")
        if os.path.exists(c):
            try:
                d = json.loads(read(c))
            except ValueError:
                continue
            figs.append({"id": f"fit.bundled.{b}", "what": f"the bundled 8 filters, {b} against scalar",
                         "value": d.get("families_identical"), "unit": f"of {d.get('filters')} families identical",
                         "max_abs_diff": d.get("max_abs_diff"), "gpu_figure": gpu, "anchors": [],
                         "source": "bench.log"})
    return figs, peers_doc


def cap_logs(out):
    for f in glob.glob(os.path.join(out, "*")):
        if os.path.isfile(f) and os.path.getsize(f) > LOG_CAP:
            data = open(f, "rb").read()
            keep = data[: LOG_CAP // 3] + b"\n[... cut by run_all to stay under 16 MiB ...]\n" + data[-LOG_CAP // 2:]
            open(f, "wb").write(keep)


def cmd_summary(work, out, mode, start, kit, final):
    steps = read_tsv(os.path.join(work, "steps.tsv"), ["name", "status", "seconds", "budget_s", "reason"])
    items = read_tsv(os.path.join(work, "items.tsv"), ["step", "item", "status", "seconds", "reason"])
    for s in steps:
        s["seconds"] = num(s["seconds"])
        s["budget_s"] = num(s["budget_s"])
        s["items"] = [{k: (num(v) if k == "seconds" else v) for k, v in i.items() if k != "step"}
                      for i in items if i["step"] == s["name"]]
    dev = parse_device(work)
    figs, peers_doc = build_figures(mode, work, dev, steps, items)
    try:
        kitinfo = json.load(open(os.path.join(kit, "KIT.json")))
    except (OSError, ValueError):
        kitinfo = None
    try:
        sizes = json.loads(read(os.path.join(work, "sizes.json")))
    except ValueError:
        sizes = None
    san = {}
    for i in items:
        if i["step"] == "sanitizer":
            san[i["item"]] = {"status": i["status"], "detail": i["reason"]}
    failed = [s["name"] for s in steps if s["status"] == "FAIL"]
    doc = {
        "schema": 1,
        "mode": mode,
        "note": ("GPU run" if mode == "gpu" else "DRY RUN on a machine without a GPU: CUDA steps are SKIP with the "
                 "reason, OpenCL ran on a CPU driver; no figure here is a GPU figure"),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(start))),
        "seconds_total": round(time.time() - float(start), 1),
        "complete": final,
        "status": "FAIL" if failed else "PASS",
        "failed_steps": failed,
        "kit": kitinfo, "sizes": sizes,
        "kit_stale_for": read(os.path.join(work, "kit_stale")).split() or None,
        "device": dev,
        "opencl": os.environ.get("SS_OPENCL_WHY"),
        "steps": steps,
        "tests": parse_tests(work, out),
        "sanitizer": san,
        "peers": {k: v for k, v in (peers_doc or {}).items() if k != "shapes"} or None,
        "figures": figs,
    }
    tmp = os.path.join(out, ".summary.json.tmp")
    json.dump(doc, open(tmp, "w"), indent=1)
    os.replace(tmp, os.path.join(out, "summary.json"))
    if not final:
        return 0
    cap_logs(out)
    print()
    print(f"=== summary ({doc['note']}; {doc['seconds_total']} s)")
    for s in steps:
        print(f"  {s['name']:12s} {s['status']:4s} {s['seconds'] or 0:6.1f} s / {s['budget_s'] or 0:4.0f} s"
              f"  {s['reason'][:160]}")
        for i in s["items"]:
            if i["status"] != "PASS" or s["name"] == "sanitizer":
                print(f"      {i['item']:34s} {i['status']:4s} {(i['reason'] or '')[:140]}")
    t = doc["tests"]
    print(f"  tests: {t['tests']} run, {t['passed']} passed, {t['failed']} failed, {t['errors']} errors, "
          f"{t['skipped']} skipped")
    print("=== figures" + ("" if mode == "gpu" else " (NOT GPU figures: dry run)"))
    for f in figs:
        print(f"  {f['id']:40s} {f['value']!s:>12} {f['unit']}" + (f"  ({f['gbps']} GB/s)" if "gbps" in f else ""))
        for a in f.get("anchors", []):
            tgt = f"  target {a['target']}: {'met' if a['met'] else 'NOT met'}" if a.get("target") else ""
            print(f"      {a['ratio']} {a['ratio_unit']}  (vs {a['vs']}: {a['value']} {a['unit']}){tgt}")
        if f.get("anchors_missing"):
            print(f"      anchor: {f['anchors_missing'][:140]}")
    print(f"=== {doc['status']}" + (f": failed steps {', '.join(failed)}" if failed else "") + f"; {out}/summary.json")
    return 1 if failed else 0


STEPS = ("env", "info", "tests", "conv", "peers", "bench-fit", "fit-bundled", "imagecheck", "native", "sanitizer")


def cmd_check_dry(path):
    d = json.load(open(path))
    bad = []
    if d.get("mode") != "dry":
        bad.append(f"mode {d.get('mode')!r}, not a dry run")
    if not d.get("complete"):
        bad.append("the summary is not the final one (the run was cut short)")
    steps = {s["name"]: s for s in d.get("steps", [])}
    for name in STEPS:
        s = steps.get(name)
        if s is None:
            bad.append(f"step {name} did not run")
        elif s["status"] == "FAIL":
            bad.append(f"step {name} FAILED: {s['reason']}")
        elif s["status"] == "SKIP" and (not s["reason"] or "no time left" in s["reason"]):
            bad.append(f"step {name} skipped without running: {s['reason'] or 'no reason'}")
    sz = d.get("sizes") or {}
    if not sz.get("within_limit") or not sz.get("total_mib", 1e9) <= LIMIT_MIB:
        bad.append(f"kit + tree = {sz.get('total_mib')} MiB, above the {LIMIT_MIB} MiB limit")
    for s in steps.values():
        for i in s.get("items", []):
            if "cuda" in i["item"] and i["status"] == "SKIP" and not i["reason"]:
                bad.append(f"{s['name']}/{i['item']}: SKIP without a reason")
    if any(f.get("gpu_figure") for f in d.get("figures", [])):
        bad.append("a dry-run figure is labelled as a GPU figure")
    ids = [f["id"] for f in d.get("figures", [])]
    for want in ("conv.opencl.separable.", "conv.opencl.dense.", "fit.opencl.coarse", "fit.bundled.opencl"):
        if not any(i.startswith(want) for i in ids):
            bad.append(f"no figure {want}* (the OpenCL steps did not produce one)")
    t = d.get("tests", {})
    if not t.get("tests") or t.get("failed") or t.get("errors"):
        bad.append(f"tests: {t.get('tests')} run, {t.get('failed')} failed, {t.get('errors')} errors")
    for b in bad:
        print("check-dry: " + b)
    print(f"check-dry: {'OK' if not bad else 'FAILED'}: {len(steps)} steps, {len(ids)} figures, "
          f"{t.get('tests')} tests ({t.get('passed')} passed, {t.get('skipped')} skipped), "
          f"kit + tree {sz.get('total_mib')} MiB of {LIMIT_MIB}")
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "check-dry":
        return cmd_check_dry(argv[1])
    if len(argv) >= 2 and argv[0] == "sizes":
        return cmd_sizes(argv[1])
    if len(argv) >= 3 and argv[0] == "compare-fit":
        return cmd_compare_fit(argv[1], argv[2])
    if len(argv) >= 6 and argv[0] == "summary":
        return cmd_summary(argv[1], argv[2], argv[3], argv[4], argv[5], "--final" in argv[6:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
