//! Reads what `scripts/bench.sh` measured (in `<results>`) and writes `BENCHMARKS.md`: one table
//! per operation, each figure beside its peers and the ratio, the bar, met or missed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::{Result, APP_SIZES, COMPILE_SIZE};

const SIZES: [usize; 3] = [10, 1_000, 10_000];

/// One divan run: benchmark path (`find::registry`) → (median, fastest) in ns; `# key value`
/// facts printed before the run.
struct Divan {
    median: HashMap<String, f64>,
    facts: HashMap<String, String>,
}

impl Divan {
    fn get(&self, key: &str) -> f64 {
        self.median.get(key).copied().unwrap_or(f64::NAN)
    }

    fn fact(&self, key: &str) -> &str {
        self.facts.get(key).map_or("?", String::as_str)
    }
}

fn parse_time(text: &str) -> Option<f64> {
    let mut it = text.split_whitespace();
    let value: f64 = it.next()?.parse().ok()?;
    let scale = match it.next()? {
        "ps" => 1e-3,
        "ns" => 1.0,
        "µs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    Some(value * scale)
}

/// Parses divan's tree table: `│  ├─ name   fastest │ slowest │ median │ mean │ samples │ iters`.
fn parse_divan(text: &str) -> Divan {
    let mut median = HashMap::new();
    let mut facts = HashMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut boundary: Option<usize> = None;
    for line in text.lines() {
        if let Some(fact) = line.strip_prefix("# ") {
            if let Some((k, v)) = fact.rsplit_once(' ') {
                facts.insert(k.to_owned(), v.to_owned());
            }
            continue;
        }
        if line.contains("fastest") {
            // The header: its first `│` marks where the name column ends on every line.
            boundary = line.chars().position(|c| c == '│');
            continue;
        }
        let Some(boundary) = boundary else { continue };
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= boundary {
            continue;
        }
        let first: String = chars[..boundary].iter().collect();
        let tail: String = chars[boundary..].iter().collect();
        let cols: Vec<&str> = tail.split('│').skip(1).collect();
        let Some(start) = first.find(|c: char| c.is_ascii_alphanumeric()) else {
            continue;
        };
        let glyphs = &first[..start];
        if !glyphs.contains('─') {
            continue;
        }
        let depth = glyphs.chars().count() / 3;
        let rest = first[start..].trim();
        let name = rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        while stack.last().is_some_and(|(d, _)| *d >= depth) {
            stack.pop();
        }
        stack.push((depth, name));
        if cols.len() >= 2 {
            if let Some(m) = parse_time(cols[1].trim()) {
                let path: Vec<&str> = stack
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .filter(|n| *n != "sized")
                    .collect();
                median.insert(path.join("::"), m);
            }
        }
    }
    Divan { median, facts }
}

/// hyperfine `--export-csv`: command name → (median, min) in seconds.
fn parse_hyperfine(text: &str) -> HashMap<String, (f64, f64)> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(cmd), Some(median), Some(min)) = (col("command"), col("median"), col("min")) else {
        return HashMap::new();
    };
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((
                f.get(cmd)?.to_string(),
                (f.get(median)?.parse().ok()?, f.get(min)?.parse().ok()?),
            ))
        })
        .collect()
}

fn ns(v: f64) -> String {
    if v.is_nan() {
        "n/a".to_owned()
    } else if v < 10.0 {
        format!("{v:.2} ns")
    } else if v < 1e3 {
        format!("{v:.1} ns")
    } else if v < 1e4 {
        format!("{:.2} µs", v / 1e3)
    } else if v < 1e5 {
        format!("{:.1} µs", v / 1e3)
    } else if v < 1e6 {
        format!("{:.0} µs", v / 1e3)
    } else if v < 1e9 {
        format!("{:.2} ms", v / 1e6)
    } else {
        format!("{:.2} s", v / 1e9)
    }
}

fn ratio(a: f64, b: f64) -> String {
    let r = a / b;
    if r.is_nan() {
        "n/a".to_owned()
    } else if r >= 100.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.2}×")
    }
}

fn verdict(met: bool, why: &str) -> String {
    if met {
        "**met**".to_owned()
    } else {
        format!("**missed** ({why})")
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn write(results: &Path, out: &Path) -> Result {
    let read = |name: &str| fs::read_to_string(results.join(name)).unwrap_or_default();
    let divan: HashMap<usize, Divan> = SIZES
        .iter()
        .map(|&n| (n, parse_divan(&read(&format!("divan-{n}.txt")))))
        .collect();
    let big = &divan[&10_000];
    let mut md = String::new();
    let w = &mut md;

    let _ = writeln!(
        w,
        "# Benchmarks\n\n\
         Regenerate with `scripts/bench.sh` (10–20 minutes on 2 cores; needs `hyperfine`). Every \
         figure is a median measured in the same run as its peers, on this machine:\n"
    );
    for line in read("machine.txt").lines() {
        let _ = writeln!(w, "- {line}");
    }
    let _ = writeln!(
        w,
        "\nFixtures: N generated modules (`bench/gen`), `billing-worker-3`-style names, six kinds, \
         ~1.5 dependency edges per module forming a DAG (some with semver requirements, some \
         optional), capabilities spread so that answers range from 4 modules to N/2; every module \
         an empty `Default` struct. The same N modules also exist as hand-written `linkme` statics \
         of a plain struct and as `inventory::submit!` of it. Run-time figures come from divan \
         (`bench/runtime/benches/registry_<N>.rs`, one binary per N, so `Registry::global()` holds \
         exactly N); process, compile and size figures from `hyperfine` and `size`.\n"
    );

    // Summary of bars, filled as the sections are written.
    let mut bars: Vec<(String, String, String)> = Vec::new();
    let mut body = String::new();
    let b = &mut body;

    // 1. registry.get::<T>()
    let _ = writeln!(
        b,
        "## `registry.get::<T>()`\n\n\
         `Handle<T>` is zero-sized; `.name()` reads `T::DESCRIPTOR.name`, a constant the compiler \
         folds like a direct read of a `static`. Second pair: the reference made opaque with \
         `black_box`, so both sides do the load.\n\n\
         | N | `get::<T>().name()` | `STATIC.name` | ratio | opaque: handle | opaque: `&STATIC` | ratio |\n\
         |---:|---:|---:|---:|---:|---:|---:|"
    );
    for n in SIZES {
        let d = &divan[&n];
        let (a, s) = (d.get("handle::registry_name"), d.get("handle::static_name"));
        let (al, sl) = (
            d.get("handle::registry_name_load"),
            d.get("handle::static_name_load"),
        );
        let _ = writeln!(
            b,
            "| {} | {} | {} | {} | {} | {} | {} |",
            thousands(n),
            ns(a),
            ns(s),
            ratio(a, s),
            ns(al),
            ns(sl),
            ratio(al, sl)
        );
    }
    let (a, s) = (
        big.get("handle::registry_name"),
        big.get("handle::static_name"),
    );
    // Sub-nanosecond medians differ by timer noise; a constant is "no slower" within 0.1 ns.
    let met = a <= s * 1.2 || a - s < 0.1;
    bars.push((
        "`registry.get::<T>()`: a constant, ≤ 1.2× `&STATIC`".into(),
        format!("{} vs {} ({})", ns(a), ns(s), ratio(a, s)),
        verdict(met, "cause under Notes"),
    ));

    // 2. runtime.get::<T>()
    let _ = writeln!(
        b,
        "\n## `runtime.get::<T>()`\n\n\
         Slot index from the descriptor's address in the linker slice, one bounds check, one load. \
         Peers: a `&STATIC` read (a reference stored in a static, loaded through an opaque \
         `&STATIC`: one load, the bar's peer), the address of a static alone (`&STATIC`, no read: \
         the loop itself), shaku's `resolve_ref` on a `module!` of one component, \
         `HashMap<TypeId, Box<dyn Any + Send + Sync>>` (8 entries, std SipHash) get + \
         `downcast_ref`, anymap2 `SendSyncAnyMap::get`. Every container is a local captured by \
         reference.\n\n\
         | N | `runtime.get` | `&STATIC` read | `&STATIC` address | shaku | HashMap<TypeId> | anymap2 | ÷ static read | ÷ shaku | HashMap ÷ ours |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for n in SIZES {
        let d = &divan[&n];
        let r = d.get("runtime_get::registry");
        let s = d.get("runtime_get::static_read");
        let a = d.get("runtime_get::static_ref");
        let sh = d.get("runtime_get::shaku_resolve_ref");
        let h = d.get("runtime_get::hashmap_typeid");
        let am = d.get("runtime_get::anymap2");
        let _ = writeln!(
            b,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            thousands(n),
            ns(r),
            ns(s),
            ns(a),
            ns(sh),
            ns(h),
            ns(am),
            ratio(r, s),
            ratio(r, sh),
            ratio(h, r)
        );
    }
    let r = big.get("runtime_get::registry");
    let s = big.get("runtime_get::static_read");
    let sh = big.get("runtime_get::shaku_resolve_ref");
    let h = big.get("runtime_get::hashmap_typeid");
    let flat = SIZES
        .iter()
        .map(|n| divan[n].get("runtime_get::registry"))
        .fold(0.0f64, f64::max)
        <= SIZES
            .iter()
            .map(|n| divan[n].get("runtime_get::registry"))
            .fold(f64::INFINITY, f64::min)
            * 1.5;
    let mut why = Vec::new();
    if r > 2.0 * s {
        why.push(format!("{} > 2× a static read", ratio(r, s)));
    }
    if r > sh {
        why.push(format!("slower than shaku ({})", ratio(r, sh)));
    }
    if h < 10.0 * r {
        why.push(format!("only {} faster than HashMap<TypeId>", ratio(h, r)));
    }
    if !flat {
        why.push("not flat across N".into());
    }
    bars.push((
        "`runtime.get::<T>()`: O(1), ≤ 2× a `&STATIC` read, ≤ shaku, ≥ 10× faster than HashMap<TypeId>"
            .into(),
        format!(
            "{} at 10,000: {} a static read, {} shaku, HashMap {} slower",
            ns(r),
            ratio(r, s),
            ratio(r, sh),
            ratio(h, r)
        ),
        verdict(why.is_empty(), &why.join("; ")),
    ));
    let _ = writeln!(
        b,
        "\nAllocations per `runtime.get` call (counted outside the timed loop): {}.",
        big.fact("allocations per runtime.get")
    );

    // 3. find
    let _ = writeln!(
        b,
        "\n## `registry.find(name)`\n\n\
         Each call looks up the next name of a shuffled list of all N names (all hits). Peers: std \
         `HashMap<&str, &ModuleDescriptor>` (SipHash), binary search in a sorted \
         `Vec<(&str, _)>`, and inventory iterate-to-find over the same N modules.\n\n\
         | N | `registry.find` | HashMap<&str> | sorted vec | inventory | ÷ HashMap | ÷ sorted | inventory ÷ ours |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for n in SIZES {
        let d = &divan[&n];
        let f = d.get("find::registry");
        let h = d.get("find::hashmap_str");
        let v = d.get("find::sorted_vec");
        let i = d.get("find::inventory");
        let _ = writeln!(
            b,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            thousands(n),
            ns(f),
            ns(h),
            ns(v),
            ns(i),
            ratio(f, h),
            ratio(f, v),
            ratio(i, f)
        );
    }
    let f = big.get("find::registry");
    let h = big.get("find::hashmap_str");
    let allocs = big.fact("allocations per find");
    let _ = writeln!(
        b,
        "\nAllocations per `find` (10,000 calls counted outside the timed loop): {allocs}. The \
         table is built on the first call; see start-up below for that cost."
    );
    let mut why = Vec::new();
    if f > h {
        why.push(format!("{} the HashMap", ratio(f, h)));
    }
    if allocs != "0" {
        why.push(format!("{allocs} allocations per call"));
    }
    bars.push((
        "`registry.find(name)` at 10,000: ≤ std HashMap<&str>, no per-call allocation".into(),
        format!(
            "{} vs {} ({}), {allocs} allocations",
            ns(f),
            ns(h),
            ratio(f, h)
        ),
        verdict(why.is_empty(), &why.join("; ")),
    ));

    // 4. with_capability
    let _ = writeln!(
        b,
        "\n## `registry.with_capability(cap)`\n\n\
         Iterating the whole answer. `audit-log` is provided by 4 modules at every N, `telemetry` \
         by N/2. Peer: a \
         scan of every module testing `has_capability` (what a registry without the index does).\n\n\
         | N | answer | `with_capability` | per module returned | scan of all modules | scan ÷ ours |\n\
         |---:|---:|---:|---:|---:|---:|"
    );
    for n in SIZES {
        let d = &divan[&n];
        for (which, scan, cap) in [
            ("small", "scan_small", "audit-log"),
            ("large", "scan_large", "telemetry"),
        ] {
            let t = d.get(&format!("with_capability::{which}"));
            let sc = d.get(&format!("with_capability::{scan}"));
            let answer: f64 = d.fact(&format!("answer {cap}")).parse().unwrap_or(f64::NAN);
            let _ = writeln!(
                b,
                "| {} | {} | {} | {} | {} | {} |",
                thousands(n),
                answer,
                ns(t),
                ns(t / answer),
                ns(sc),
                ratio(sc, t)
            );
        }
    }
    let small = |n: usize| divan[&n].get("with_capability::small");
    let large = big.get("with_capability::large");
    let large_answer: f64 = big.fact("answer telemetry").parse().unwrap_or(f64::NAN);
    let small_answer: f64 = big.fact("answer audit-log").parse().unwrap_or(f64::NAN);
    let flat = small(10_000) <= small(10).max(small(1_000)) * 1.5 + 2.0;
    let per_large = large / large_answer;
    let per_small = small(10_000) / small_answer;
    let proportional = per_large <= per_small * 1.5 + 0.5;
    let mut why = Vec::new();
    if !flat {
        why.push(format!(
            "4-module answer costs {} at 10,000 vs {} at 10",
            ns(small(10_000)),
            ns(small(10))
        ));
    }
    if !proportional {
        why.push(format!(
            "{} per module in the large answer vs {} in the small",
            ns(per_large),
            ns(per_small)
        ));
    }
    bars.push((
        "`with_capability`: proportional to the answer, not the registry".into(),
        format!(
            "4 modules: {} at N=10, {} at N=10,000; {} modules: {} ({} each)",
            ns(small(10)),
            ns(small(10_000)),
            large_answer,
            ns(large),
            ns(per_large)
        ),
        verdict(flat && proportional, &why.join("; ")),
    ));
    let _ = writeln!(
        b,
        "\nAllocations per `with_capability` call: {}.",
        big.fact("allocations per with_capability")
    );

    // 5. boot
    let _ = writeln!(
        b,
        "\n## `registry.boot()` per module\n\n\
         Whole `boot()`, divided by N: order and check the graph, then per module `create` = \
         `Default::default()` of an empty struct + `Arc`, `initialize`, audit records, metrics; \
         shutdown excluded. A registry checks its graph once and keeps the order, so *first boot* \
         (a fresh `Registry::from_descriptors` of the same modules each time: what a process \
         pays) includes the graph checks and *later boot* (the global registry again) does not. \
         Peer: creating every inventory entry into a `Vec` (no order, no checks, no lifecycle). \
         Last column: `shutdown()` of a booted runtime (no bar).\n\n\
         | N | first boot | per module | of which graph | later boot, per module | inventory create-all, per module | first ÷ inventory | `shutdown()` per module |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut boot_per = Vec::new();
    for n in SIZES {
        let d = &divan[&n];
        let first = d.get("boot::first");
        let graph = d.get("boot::first_init_order");
        let later = d.get("boot::registry");
        let i = d.get("boot::inventory_create_all");
        let sd = d.get("boot::shutdown");
        let per = first / n as f64;
        if n >= 1_000 {
            boot_per.push((n, per));
        }
        let _ = writeln!(
            b,
            "| {} | {} | {} | {} ({:.0}%) | {} | {} | {} | {} |",
            thousands(n),
            ns(first),
            ns(per),
            ns(graph),
            100.0 * graph / first,
            ns(later / n as f64),
            ns(i / n as f64),
            ratio(first, i),
            ns(sd / n as f64)
        );
    }
    let worst = boot_per.iter().map(|p| p.1).fold(0.0f64, f64::max);
    bars.push((
        "`boot()` overhead per module ≤ 1 µs (1,000 and 10,000; first boot)".into(),
        boot_per
            .iter()
            .map(|(n, p)| format!("{} at {}", ns(*p), thousands(*n)))
            .collect::<Vec<_>>()
            .join(", "),
        verdict(worst <= 1_000.0, "cause under Notes"),
    ));
    let allocs = |key: &str| {
        big.fact(key).parse::<f64>().map_or("?".to_owned(), |a| {
            format!("{a:.0} ({:.1} per module)", a / 10_000.0)
        })
    };
    let _ = writeln!(
        b,
        "\nAllocations per boot at 10,000: first {}, later {}.",
        allocs("allocations per first boot"),
        allocs("allocations per boot")
    );

    // 6. start-up
    let startup = parse_hyperfine(&read("startup.csv"));
    let inproc = parse_inproc(&read("startup-inproc.txt"));
    let big_app = APP_SIZES[1];
    let _ = writeln!(
        b,
        "\n## Process start-up at {} modules\n\n\
         A binary per form that finds one module by name and exits, timed by `hyperfine -N` \
         (median of 300 runs) against an empty `fn main() {{}}`. \"In `main`\" is the time from the \
         first line of `main` to the answer, measured inside the process (median of 51 runs): for \
         the registry that is `Registry::global()` + the first `find`, which builds the name and \
         capability tables; inventory's registration already ran before `main` (one constructor \
         per module), so its cost shows only in the process total.\n\n\
         | binary | process (median) | − empty | in `main` |\n\
         |---|---:|---:|---:|",
        thousands(big_app)
    );
    let empty = startup.get("empty").map_or(f64::NAN, |t| t.0);
    for (label, key) in [
        ("empty `fn main() {}`", "empty".to_owned()),
        ("module-registry (derive)", format!("derive-{big_app}")),
        ("hand-written linkme", format!("linkme-{big_app}")),
        ("inventory", format!("inventory-{big_app}")),
    ] {
        let t = startup.get(&key).map_or(f64::NAN, |t| t.0);
        let i = inproc
            .get(&format!("app-{key}"))
            .copied()
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            b,
            "| {label} | {} | {} | {} |",
            ns(t * 1e9),
            if key == "empty" {
                "—".to_owned()
            } else {
                ns((t - empty) * 1e9)
            },
            ns(i)
        );
    }
    let ours = startup
        .get(&format!("derive-{big_app}"))
        .map_or(f64::NAN, |t| t.0);
    let inv = startup
        .get(&format!("inventory-{big_app}"))
        .map_or(f64::NAN, |t| t.0);
    bars.push((
        format!(
            "start-up at {}: `global()` + first `find` vs inventory (no bar; spec: no work per module before `boot`)",
            thousands(big_app)
        ),
        format!(
            "{} vs {} over an empty process",
            ns((ours - empty) * 1e9),
            ns((inv - empty) * 1e9)
        ),
        "reported".into(),
    ));

    // 7. compile time
    let clean = parse_inproc(&read("compile-clean.txt"));
    let incr = parse_inproc(&read("compile-incr.txt"));
    let _ = writeln!(
        b,
        "\n## Compile time of {} modules (debug)\n\n\
         One library crate per form, the modules in 10 files of 100, dependencies already built. \
         Clean: `cargo clean -p <crate>` then `cargo build -p <crate>` (median of 5). \
         Incremental: the description (doc comment) of one module in one file changes, then \
         `cargo build` (median of 10). The forms take turns, so background load hits each alike. \
         Times include cargo's own start (~0.1 s).\n\n\
         | form | clean | ÷ linkme | incremental | ÷ linkme |\n\
         |---|---:|---:|---:|---:|",
        thousands(COMPILE_SIZE)
    );
    let get = |m: &HashMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    for (label, k) in [
        ("`#[derive(Module)]`", "derive"),
        ("hand-written linkme statics", "linkme"),
        ("`inventory::submit!`", "inventory"),
    ] {
        let _ = writeln!(
            b,
            "| {label} | {:.2} s | {} | {:.2} s | {} |",
            get(&clean, k),
            ratio(get(&clean, k), get(&clean, "linkme")),
            get(&incr, k),
            ratio(get(&incr, k), get(&incr, "linkme"))
        );
    }
    let rc = get(&clean, "derive") / get(&clean, "linkme");
    let ri = get(&incr, "derive") / get(&incr, "linkme");
    bars.push((
        format!(
            "compile time of {} derived modules ≤ 1.5× hand-written linkme",
            thousands(COMPILE_SIZE)
        ),
        format!("clean {rc:.2}×, incremental {ri:.2}×"),
        verdict(rc <= 1.5 && ri <= 1.5, "cause under Notes"),
    ));

    // 8. size
    let sizes = parse_sizes(&read("sizes.txt"));
    let size_of: f64 = big
        .fact("size_of ModuleDescriptor")
        .parse()
        .unwrap_or(f64::NAN);
    let (lo, hi) = (APP_SIZES[0], APP_SIZES[1]);
    let per = |form: &str, section: &str| {
        let a = sizes
            .get(&(format!("app-{form}-{lo}"), section.to_owned()))
            .copied()
            .unwrap_or(f64::NAN);
        let z = sizes
            .get(&(format!("app-{form}-{hi}"), section.to_owned()))
            .copied()
            .unwrap_or(f64::NAN);
        (z - a) / (hi - lo) as f64
    };
    let _ = writeln!(
        b,
        "\n## Binary size per module\n\n\
         `size_of::<ModuleDescriptor>()` = **{size_of} bytes** (the descriptor itself, in the \
         linker section). What one more module adds to a stripped release binary, from the \
         binaries with {} and {} modules (difference ÷ {}), by ELF section. Strings \
         (names, descriptions, type names) live in `.rodata`; \"beyond strings\" is the total \
         minus `.rodata`.\n\n\
         | form | total | `.rodata` (strings) | beyond strings | linker section | `.data.rel.ro` | `.text` | `.rela.dyn` | `.eh_frame` |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|",
        thousands(lo),
        thousands(hi),
        thousands(hi - lo)
    );
    for (label, form, section) in [
        ("`#[derive(Module)]`", "derive", "linkme_MODULES"),
        ("hand-written linkme", "linkme", "linkme_PLAIN_MODULES"),
        ("`inventory::submit!`", "inventory", "—"),
    ] {
        let total = per(form, "file");
        let ro = per(form, ".rodata");
        let _ = writeln!(
            b,
            "| {label} | {:.0} B | {:.0} B | {:.0} B | {} | {:.0} B | {:.0} B | {:.0} B | {:.0} B |",
            total,
            ro,
            total - ro,
            if section == "—" {
                "—".to_owned()
            } else {
                format!("{:.0} B", per(form, section))
            },
            per(form, ".data.rel.ro"),
            per(form, ".text"),
            per(form, ".rela.dyn"),
            per(form, ".eh_frame"),
        );
    }
    let beyond = per("derive", "file") - per("derive", ".rodata");
    let data = size_of + per("derive", ".data.rel.ro");
    bars.push((
        "size per module descriptor (excluding strings) ≤ 256 bytes".into(),
        format!(
            "`size_of` {size_of} B; with its capability and dependency slices {data:.0} B; \
             one more module adds {beyond:.0} B beyond strings (relocations and code included)"
        ),
        if size_of <= 256.0 && data <= 256.0 {
            verdict(true, "")
        } else if size_of <= 256.0 {
            format!(
                "**met** for the descriptor itself; **missed** ({data:.0} B) if its out-of-line \
                 slices count"
            )
        } else {
            verdict(false, "the descriptor itself is over")
        },
    ));

    dynamic(b, &read("divan-dynamic.txt"));

    let _ = writeln!(
        w,
        "## Bars\n\n| bar | measured | verdict |\n|---|---|---|"
    );
    for (bar, measured, v) in &bars {
        let _ = writeln!(w, "| {bar} | {measured} | {v} |");
    }
    let _ = writeln!(
        w,
        "\nThe build-check bar (10,000 modules in 1,000 files ≤ 1 s) belongs to \
         `module-registry-build`: `cargo bench --manifest-path bench/Cargo.toml -p registry-bench-build-check` \
         prints the check's time optimized and unoptimized (as cargo builds build-script \
         dependencies), and with `-- --cargo-build` the time of `cargo build` of that crate.\n"
    );
    md.push_str(&body);
    md.push_str(&notes(&read("notes.md")));
    fs::write(out, md)?;
    Ok(())
}

/// The dynamic registry's section (`bench/runtime/benches/dynamic.rs`): its figures beside their
/// peers, and the bars of the FAQ API (the performance bars of the static registry name none
/// for it).
fn dynamic(b: &mut String, text: &str) {
    if text.trim().is_empty() {
        let _ = writeln!(
            b,
            "\n## Dynamic registry\n\nNot measured in this run (`divan-dynamic.txt` is missing)."
        );
        return;
    }
    let d = parse_divan(text);
    let n = 10_000.0;
    let plain = d.get("register::dynamic_10000_plain");
    let deps = d.get("register::dynamic_10000_with_deps");
    let with_config = d.get("register::dynamic_10000_plain_with_config");
    let configs = d.get("register::dynamic_10000_configs_only");
    let map_with_config = d.get("register::peer_hashmap_10000_with_config");
    let one = d.get("register::dynamic_one_into_10000");
    let map = d.get("register::peer_hashmap_10000");
    let index = d.get("register::static_10000_index");
    let faq = d.get("discover::dynamic_faq_query");
    let small = d.get("discover::dynamic_small_answer");
    let after = d.get("discover::dynamic_faq_query_after_register");
    let linked = d.get("discover::dynamic_over_linked");
    let scan = d.get("discover::static_name_scan");
    let caps_faq = d.get("discover_capabilities::dynamic_faq_query");
    let caps_all = d.get("discover_capabilities::dynamic_all_answer");
    let with_cap = d.get("discover_capabilities::static_with_capability");
    let bytes = |key: &str| d.fact(key).parse::<f64>().unwrap_or(f64::NAN);
    let memory = bytes("bytes 1000 dynamic modules");
    let memory_map = bytes("bytes 1000 configs in a HashMap");
    let kb = |v: f64| format!("{:.0} KB", v / 1e3);
    let _ = writeln!(
        b,
        "\n## Dynamic registry (`ModuleRegistry`, the FAQ's API)\n\n\
         `bench/runtime/benches/dynamic.rs`, in a binary that also links the 10,000-module fixture. \
         Registrations start from `ModuleRegistry::empty()` and take configs built before the \
         timing (a name, version `1.2.3`, a kind, 2–6 capabilities, a factory); the registry \
         and the drained config vector are dropped after it. \"With requirements\": each module \
         also depends on the previous one with `^1.2` and optionally on a name that never \
         registers. The peer of `register` is a std `HashMap<String, ModuleConfig>` given the \
         same configs, keyed by a copy of the name: a container that checks nothing. The static \
         registry registers nothing at run time (the linker lists its modules); the nearest it \
         does is indexing their names on the first `find`. Queries run over 10,000 registered \
         modules.\n\n\
         | operation | ours | per module or answer | peer | ratio |\n|---|---:|---:|---:|---:|"
    );
    let rows = [
        (
            "`register` × 10,000".to_owned(),
            plain,
            format!(
                "HashMap insert {}; static registry indexing its 10,000 names {}",
                ns(map),
                ns(index)
            ),
            format!("{}; {}", ratio(plain, map), ratio(plain, index)),
        ),
        (
            "`register` × 10,000, with requirements".to_owned(),
            deps,
            format!("HashMap insert {}", ns(map)),
            ratio(deps, map),
        ),
        (
            "building the 10,000 configs (not in the rows above)".to_owned(),
            configs,
            String::new(),
            String::new(),
        ),
        (
            "`register` × 10,000 as the FAQ writes it: each config built just before, \
             building included"
                .to_owned(),
            with_config,
            format!(
                "HashMap insert, each built just before {}",
                ns(map_with_config)
            ),
            ratio(with_config, map_with_config),
        ),
        (
            "the same, less building the configs (difference of two medians)".to_owned(),
            with_config - configs,
            format!("HashMap insert {}", ns(map_with_config - configs)),
            ratio(with_config - configs, map_with_config - configs),
        ),
    ];
    for (what, t, peer, r) in rows {
        let _ = writeln!(b, "| {what} | {} | {} | {peer} | {r} |", ns(t), ns(t / n));
    }
    let _ = writeln!(
        b,
        "| one `register` into a registry of 10,000 (one call per sample: the timer's reading \
         is included) | {} | | | |",
        ns(one)
    );
    // Queries: the static registry has no pattern query or ranking, so its peers are the
    // nearest it has, compared per answer where the answers differ in number.
    let answers = |key: &str| d.fact(key).parse::<f64>().unwrap_or(f64::NAN);
    let count = |v: f64| {
        if v.is_nan() {
            "?".to_owned()
        } else {
            thousands(v as usize)
        }
    };
    let (faq_n, caps_faq_n, caps_all_n, with_cap_n, scan_n) = (
        answers("answer discover(processor, DataProcessor)"),
        answers("answer discover_capabilities(faq)"),
        answers("answer discover_capabilities(common)"),
        answers("answer static with_capability"),
        answers("answer static name scan"),
    );
    let scan_peer = format!(
        "static registry, name scan ({} answers) {}",
        count(scan_n),
        ns(scan)
    );
    let cap_peer = format!(
        "static `with_capability`, {} answers, unranked: {} ({} per answer)",
        count(with_cap_n),
        ns(with_cap),
        ns(with_cap / with_cap_n)
    );
    // A name query beside the static name scan; a capability query, per answer, beside
    // `with_capability`.
    let by_name =
        |what: String, t: f64| (what, t, String::new(), scan_peer.clone(), ratio(t, scan));
    let by_capability = |what: String, t: f64, answers: f64| {
        (
            what,
            t,
            format!("{} per answer", ns(t / answers)),
            cap_peer.clone(),
            format!("{} per answer", ratio(t / answers, with_cap / with_cap_n)),
        )
    };
    for (what, t, per, peer, r) in [
        by_name(
            format!("`discover`, the FAQ's query ({} answers)", count(faq_n)),
            faq,
        ),
        by_name("`discover`, 10 answers".to_owned(), small),
        by_name(
            "`discover`, first query after a registration (name order rebuilt)".to_owned(),
            after,
        ),
        by_name(
            "`discover` over the 10,000 linked modules (`ModuleRegistry::new()`)".to_owned(),
            linked,
        ),
        by_capability(
            format!(
                "`discover_capabilities`, the FAQ's query ({} answers, ranked)",
                count(caps_faq_n)
            ),
            caps_faq,
            caps_faq_n,
        ),
        by_capability(
            format!(
                "`discover_capabilities`, every module answers ({}, ranked)",
                count(caps_all_n)
            ),
            caps_all,
            caps_all_n,
        ),
    ] {
        let _ = writeln!(b, "| {what} | {} | {per} | {peer} | {r} |", ns(t));
    }
    let _ = writeln!(
        b,
        "| heap for 1,000 modules (counting allocator; configs, tables and query caches) | {} | \
         {:.0} B | the same configs in a HashMap {} | {} |",
        kb(memory),
        memory / 1000.0,
        kb(memory_map),
        ratio(memory, memory_map)
    );
    let query_max = [faq, small, after, linked, caps_faq, caps_all]
        .into_iter()
        .fold(0.0f64, f64::max);
    let _ = writeln!(
        b,
        "\nBars of the FAQ API (its issue; the FAQ promises \"< 1ms per module registration\", \
         \"< 1ms per discovery query\", \"< 1MB for typical workloads\"):\n\n\
         | bar | measured | verdict |\n|---|---|---|\n\
         | one registration ≤ 1 ms, into a registry of 10,000 | {} | {} |\n\
         | 10,000 registrations ≤ 1 ms in all | {} ({} the HashMap peer) | {} |\n\
         | `discover` and `discover_capabilities` over 10,000 ≤ 1 ms | slowest {} | {} |\n\
         | 1,000 dynamic modules ≤ 1 MB | {} | {} |",
        ns(one),
        verdict(one <= 1e6, "over 1 ms"),
        ns(plain),
        ratio(plain, map),
        verdict(
            plain <= 1e6,
            &format!(
                "a std HashMap given the same configs takes {} itself",
                ns(map)
            )
        ),
        ns(query_max),
        verdict(query_max <= 1e6, "over 1 ms"),
        kb(memory),
        verdict(memory <= 1e6, "over 1 MB"),
    );
}

fn notes(extra: &str) -> String {
    if extra.trim().is_empty() {
        String::new()
    } else {
        format!("\n## Notes\n\n{}\n", extra.trim())
    }
}

/// `name <value> <value> ...` → median.
fn parse_inproc(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let name = it.next()?.to_owned();
            let mut v: Vec<f64> = it.filter_map(|x| x.parse().ok()).collect();
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            Some((name, v[v.len() / 2]))
        })
        .collect()
}

/// `app-x <section|file> <bytes>` lines.
fn parse_sizes(text: &str) -> HashMap<(String, String), f64> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                (f.first()?.to_string(), f.get(1)?.to_string()),
                f.get(2)?.parse().ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_divan_tree() {
        let text = "\
# modules 10
registry_10               fastest       │ slowest       │ median        │ mean          │ samples │ iters
╰─ sized                                │               │               │               │         │
   ├─ find                              │               │               │               │         │
   │  ├─ hashmap_str      18.2 ns       │ 40.1 ns       │ 19.3 ns       │ 20.1 ns       │ 100     │ 12800
   │  ╰─ registry         8.1 ns        │ 9.1 ns        │ 8.5 ns        │ 8.6 ns        │ 100     │ 12800
   ╰─ boot                              │               │               │               │         │
      ╰─ registry         1.2 ms        │ 1.5 ms        │ 1.3 ms        │ 1.3 ms        │ 30      │ 30
";
        let d = parse_divan(text);
        assert_eq!(d.get("find::hashmap_str"), 19.3);
        assert_eq!(d.get("find::registry"), 8.5);
        assert_eq!(d.get("boot::registry"), 1.3e6);
        assert_eq!(d.fact("modules"), "10");
    }

    #[test]
    fn dynamic_section_judges_each_bar_from_its_figures() {
        let run = |plain: &str| {
            format!(
                "\
# answer discover(processor, DataProcessor) 1000
# answer discover_capabilities(faq) 667
# answer discover_capabilities(common) 10000
# answer static with_capability 5000
# answer static name scan 1260
# bytes 1000 dynamic modules 403013
# bytes 1000 configs in a HashMap 548015
dynamic                                 fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ discover                                           │               │               │               │         │
│  ├─ dynamic_faq_query                 154.6 µs      │ 670.8 µs      │ 169.8 µs      │ 181.2 µs      │ 100     │ 100
│  ╰─ static_name_scan                  235.7 µs      │ 855.5 µs      │ 242.1 µs      │ 260.6 µs      │ 100     │ 100
├─ discover_capabilities                              │               │               │               │         │
│  ╰─ dynamic_all_answer                396.2 µs      │ 2.046 ms      │ 1.2 ms        │ 438.7 µs      │ 100     │ 100
╰─ register                                           │               │               │               │         │
   ├─ dynamic_10000_plain               1.613 ms      │ 4.169 ms      │ {plain}       │ 1.903 ms      │ 20      │ 20
   ├─ dynamic_one_into_10000            1.746 µs      │ 6.029 µs      │ 2.043 µs      │ 2.16 µs       │ 200     │ 200
   ╰─ peer_hashmap_10000                1.215 ms      │ 8.321 ms      │ 1.387 ms      │ 1.834 ms      │ 20      │ 20
"
            )
        };
        let mut slow = String::new();
        dynamic(&mut slow, &run("1.788 ms"));
        assert!(
            slow.contains(
                "| `register` × 10,000 | 1.79 ms | 178.8 ns | HashMap insert 1.39 ms; static \
                 registry indexing its 10,000 names n/a | 1.29×; n/a |"
            ),
            "{slow}"
        );
        assert!(
            slow.contains(
                "| one registration ≤ 1 ms, into a registry of 10,000 | 2.04 µs | **met** |"
            ),
            "{slow}"
        );
        assert!(slow.contains("| 10,000 registrations ≤ 1 ms in all | 1.79 ms (1.29× the HashMap peer) | **missed**"), "{slow}");
        // A query over 1 ms misses its bar; the heap figure meets its own.
        assert!(
            slow.contains("| slowest 1.20 ms | **missed** (over 1 ms) |"),
            "{slow}"
        );
        assert!(
            slow.contains("| 1,000 dynamic modules ≤ 1 MB | 403 KB | **met** |"),
            "{slow}"
        );
        let mut fast = String::new();
        dynamic(&mut fast, &run("950 µs"));
        assert!(fast.contains("| 10,000 registrations ≤ 1 ms in all | 950 µs (0.68× the HashMap peer) | **met** |"), "{fast}");
        let mut none = String::new();
        dynamic(&mut none, "");
        assert!(none.contains("Not measured in this run"));
    }
}
