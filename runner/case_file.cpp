#include "runner/case_file.h"

#include "emu/inject.h"
#include "runner/guest_build.h"
#include "kernel/include/lmemu/machine.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <type_traits>

namespace lmemu::runner {

namespace fs = std::filesystem;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {

// Lowercase [config] keys: lmemu's own settings. UPPERCASE keys are kernel options.
const std::vector<std::string> kSettings{"arch", "policy", "budget_blocks", "timeout_ms", "cpus", "arch_features", "lazy_tlb"};
// lazy_tlb: how a CPU's lazily used mm is kept alive (include/linux/sched/mm.h).
const std::vector<std::string> kLazyTlbModes{"refcount", "shootdown", "hazard-ptr", "none"};

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string source_line(const fs::path& file, int line) {
    std::ifstream in(file);
    std::string s;
    for (int i = 1; i <= line && std::getline(in, s); ++i) {
    }
    return s;
}

class Parser {
public:
    explicit Parser(fs::path file) : file_(std::move(file)) {}

    CaseFile parse();

private:
    SourcePos pos(const toml::source_region& r) const {
        return {file_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
    }
    SourcePos pos(const toml::node& n) const { return pos(n.source()); }
    SourcePos pos(const toml::key& k) const { return pos(k.source()); }

    [[noreturn]] void fail(SourcePos p, std::string msg, std::string note = {}) const {
        throw CaseError(std::move(p), std::move(msg), std::move(note));
    }

    void check_keys(const toml::table& t, const std::vector<std::string>& allowed, const std::string& where) const {
        for (const auto& [k, v] : t) {
            const std::string key{k.str()};
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            const std::string near = closest(key, allowed);
            fail(pos(k), fmt::format("unknown key '{}' in {}", key, where),
                 near.empty() ? fmt::format("allowed keys: {}", fmt::join(allowed, ", "))
                              : fmt::format("did you mean '{}'?", near));
        }
    }

    const toml::table& table(const toml::node& n, const std::string& what) const {
        if (!n.is_table()) fail(pos(n), fmt::format("{} must be a table", what));
        return *n.as_table();
    }
    std::string string(const toml::node& n, const std::string& what) const {
        if (!n.is_string()) fail(pos(n), fmt::format("{} must be a string, not {}", what, type_name(n)));
        return n.as_string()->get();
    }
    uint64_t integer(const toml::node& n, const std::string& what) const {
        if (!n.is_integer() || n.as_integer()->get() < 0)
            fail(pos(n), fmt::format("{} must be a non-negative integer", what));
        return static_cast<uint64_t>(n.as_integer()->get());
    }
    std::vector<std::string> strings(const toml::node& n, const std::string& what) const {
        if (!n.is_array()) fail(pos(n), fmt::format("{} must be an array of strings", what));
        std::vector<std::string> out;
        for (const auto& e : *n.as_array()) out.push_back(string(e, what + " element"));
        return out;
    }
    static std::string type_name(const toml::node& n) {
        switch (n.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        default: return "a date/time";
        }
    }

    // A config value: booleans and integers for kernel options, strings for policy.
    ConfigValue config_value(const std::string& key, const toml::node& n) const {
        if (key == "arch") return arch_model(n);
        if (key == "policy") {
            const std::string p = string(n, "policy");
            if (!lazymmu::parse_policy(p)) {
                std::vector<std::string> names;
                for (const auto& i : lazymmu::policies()) names.emplace_back(i.name);
                const auto near = closest(p, names);
                fail(pos(n), fmt::format("unknown policy '{}'", p),
                     near.empty() ? fmt::format("policies: {}", fmt::join(names, ", "))
                                  : fmt::format("did you mean '{}'?", near));
            }
            return p;
        }
        if (key == "timeout_ms" || key == "budget_blocks") {
            const uint64_t v = integer(n, key);
            const uint64_t max = key == "timeout_ms" ? 3'600'000 : 1'000'000'000'000;
            if (v < 1 || v > max) fail(pos(n), fmt::format("{} must be between 1 and {}", key, max));
            return std::to_string(v);
        }
        if (key == "cpus") {
            const uint64_t cpus = integer(n, "cpus");
            if (cpus < 1 || cpus > LMEMU_MAX_CPUS)
                fail(pos(n), fmt::format("cpus must be between 1 and {}", LMEMU_MAX_CPUS));
            return std::to_string(cpus);
        }
        if (key == "lazy_tlb") {
            const std::string m = string(n, "lazy_tlb");
            if (std::find(kLazyTlbModes.begin(), kLazyTlbModes.end(), m) == kLazyTlbModes.end())
                fail(pos(n), fmt::format("unknown lazy_tlb mode '{}'", m),
                     fmt::format("modes: {}", fmt::join(kLazyTlbModes, ", ")));
            return m;
        }
        if (key == "arch_features") {
            // A list of feature names ("ETS2", "BBML2"), or one comma-separated string.
            std::string spec;
            if (n.is_array()) {
                std::vector<std::string> names = strings(n, "arch_features");
                spec = fmt::format("{}", fmt::join(names, ","));
            } else {
                spec = string(n, "arch_features");
            }
            const auto f = lazymmu::parse_arch_features(spec);
            if (!f) fail(pos(n), fmt::format("unknown arch_features '{}'", spec), "features: ETS2, BBML2, LPA2 (or none)");
            return lazymmu::to_string(*f);
        }
        if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
        if (n.is_integer()) return std::to_string(n.as_integer()->get());
        fail(pos(n), fmt::format("kernel option '{}' must be a boolean or an integer, not {}", key, type_name(n)));
    }

    // An arch model's name; an error names the models that exist.
    std::string arch_model(const toml::node& n) const {
        const std::string a = string(n, "arch");
        if (!lazymmu::parse_arch_model(a)) {
            const auto names = lazymmu::arch_model_names();
            const auto near = closest(a, names);
            fail(pos(n), fmt::format("unknown arch model '{}'", a),
                 near.empty() ? fmt::format("arch models: {}", fmt::join(names, ", "))
                              : fmt::format("did you mean '{}'? (arch models: {})", near, fmt::join(names, ", ")));
        }
        return a;
    }

    // An arch a cell runs under must be one the case's code is written for.
    void check_arch_fits(const CaseFile& c, const std::string& a, const toml::node& n) const {
        if (std::find(c.arches.begin(), c.arches.end(), a) != c.arches.end()) return;
        const std::string where = c.arches_pos.line ? fmt::format("[case] arch, line {}", c.arches_pos.line)
                                                    : std::string("the default when [case] names no arch");
        fail(pos(n), fmt::format("the case's code is written for {} ({}), not for {}", fmt::join(c.arches, ", "), where, a),
             "arch-specific code runs only under its own model; a generic case lists every model it is meant for "
             "in [case] arch");
    }

    void check_config_key(const toml::key& k) {
        const std::string key{k.str()};
        if (std::find(kSettings.begin(), kSettings.end(), key) != kSettings.end()) return;
        const bool kernel_option = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        });
        if (kernel_option) {
            kernel_options_.emplace_back(key, pos(k));  // checked once every source is known
            return;
        }
        std::vector<std::string> known = kSettings;
        known.push_back("DEBUG_PAGEALLOC");
        const auto near = closest(key, known);
        fail(pos(k), fmt::format("unknown config key '{}': lowercase keys are lmemu settings ({}), "
                                 "UPPERCASE keys are kernel options (CONFIG_ without the prefix)",
                                 key, fmt::join(kSettings, ", ")),
             near.empty() ? std::string{} : fmt::format("did you mean '{}'?", near));
    }

    std::vector<GuestSource> source_list(const toml::node& n, const std::string& what) const {
        std::vector<GuestSource> out;
        const auto list = strings(n, what);
        const auto* arr = n.as_array();
        for (size_t i = 0; i < list.size(); ++i) {
            const fs::path p = file_.parent_path() / list[i];
            if (!fs::exists(p)) fail(pos((*arr)[i]), fmt::format("source file '{}' not found", list[i]),
                                     fmt::format("paths are relative to {}", file_.parent_path().string()));
            out.push_back({p, std::nullopt});
        }
        return out;
    }

    void parse_injects(const toml::node& n, CaseFile& c) const;
    void parse_threads(const toml::node& n, CaseFile& c) const;
    void parse_explore(const toml::node& n, CaseFile& c) const;
    void check_kernel_options(const CaseFile& c) const;
    void check_expects_reachable(CaseFile& c) const;

    fs::path file_;
    std::vector<std::pair<std::string, SourcePos>> kernel_options_;  // UPPERCASE keys of [config] and [matrix]
};

// The CONFIG_ names a tree of C sources and headers refers to.
std::set<std::string> config_names(const std::string& text) {
    std::set<std::string> names;
    for (size_t at = 0; (at = text.find("CONFIG_", at)) != std::string::npos;) {
        at += 7;
        size_t end = at;
        while (end < text.size() && (std::isupper(static_cast<unsigned char>(text[end])) ||
                                     std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '_'))
            ++end;
        if (end > at) names.emplace(text.substr(at, end - at));
        at = end;
    }
    return names;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The C sources and headers under `dir`, all of them or only its own files.
std::string c_files_in(const fs::path& dir, bool recursive) {
    std::string all;
    std::error_code ec;
    auto add = [&](const fs::directory_entry& e) {
        const auto ext = e.path().extension();
        if (e.is_regular_file(ec) && (ext == ".c" || ext == ".h" || ext == ".S")) all += read_text(e.path()) + '\n';
    };
    if (recursive)
        for (const auto& e : fs::recursive_directory_iterator(dir, ec)) add(e);
    else
        for (const auto& e : fs::directory_iterator(dir, ec)) add(e);
    return all;
}

// An option neither the kernel nor the case reads does nothing: most likely a
// misspelling that would otherwise pass as a quiet "clean".
void Parser::check_kernel_options(const CaseFile& c) const {
    if (kernel_options_.empty()) return;
    static const std::set<std::string> kernel = config_names(c_files_in(GuestBuilder::default_kernel_dir(), true));
    // The case's sources and the headers beside them and beside the case file.
    std::set<fs::path> dirs{fs::absolute(file_).parent_path()};
    std::string own;
    auto add = [&](const GuestSource& s) {
        own += s.text ? *s.text : read_text(s.path);
        dirs.insert(fs::absolute(s.path).parent_path());
    };
    for (const auto& s : c.sources) add(s);
    for (const auto& d : c.dimensions)
        for (const auto& [_, list] : d.sources)
            for (const auto& s : list) add(s);
    for (const auto& d : dirs) own += c_files_in(d, false);
    const std::set<std::string> case_names = config_names(own);
    for (const auto& [key, at] : kernel_options_) {
        if (kernel.count(key) || case_names.count(key)) continue;
        std::vector<std::string> known(kernel.begin(), kernel.end());
        known.insert(known.end(), case_names.begin(), case_names.end());
        const auto near = closest(key, known);
        fail(at, fmt::format("kernel option '{}': neither the guest kernel nor this case's sources refer to CONFIG_{}", key,
                             key),
             near.empty() ? std::string("UPPERCASE keys are kernel options, CONFIG_ without the prefix")
                          : fmt::format("did you mean '{}'?", near));
    }
}

// threads = ["writer", "reader"]: a generated scenario() runs them one per CPU.
void Parser::parse_threads(const toml::node& n, CaseFile& c) const {
    c.threads = strings(n, "threads");
    c.threads_pos = pos(n);
    if (c.threads.empty() || c.threads.size() > LMEMU_MAX_CPUS)
        fail(pos(n), fmt::format("threads needs 1 to {} function names, one per CPU", LMEMU_MAX_CPUS));
    for (size_t i = 0; i < c.threads.size(); ++i) {
        const auto& t = c.threads[i];
        const bool ident = !t.empty() && !std::isdigit(static_cast<unsigned char>(t[0])) &&
                           std::all_of(t.begin(), t.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
        if (!ident) fail(pos((*n.as_array())[i]), fmt::format("thread '{}' is not a C function name", t));
    }
    std::string code = "void lmemu_run_threads(void (*const fns[])(void), const char *const names[], int n); ";
    std::vector<std::string> names;
    for (const auto& t : c.threads) {
        code += fmt::format("void {}(void) __attribute__((weak)); ", t);  // a missing one: check_threads() says so
        names.push_back(fmt::format("\"{}\"", t));
    }
    code += fmt::format("void scenario(void) {{ static void (*const fns[])(void) = {{ {} }}; "
                        "static const char *const names[] = {{ {} }}; lmemu_run_threads(fns, names, {}); }}\n",
                        fmt::join(c.threads, ", "), fmt::join(names, ", "), c.threads.size());
    c.sources.push_back({file_, code, c.threads_pos.line});
}

void Parser::parse_explore(const toml::node& n, CaseFile& c) const {
    const auto& t = table(n, "[explore]");
    check_keys(t, {"strategy", "preemption_bound", "max_schedules", "seed", "depth", "quantum_blocks", "prune",
                   "budget_blocks"},
               "[explore]");
    explore::ExploreConfig x;
    if (const auto* s = t.get("strategy")) {
        const std::string v = string(*s, "strategy");
        constexpr explore::Strategy kAll[] = {explore::Strategy::Exhaustive, explore::Strategy::Random, explore::Strategy::Pct};
        std::vector<std::string> names;
        for (const auto st : kAll) names.push_back(explore::to_string(st));
        const auto it = std::find(names.begin(), names.end(), v);
        if (it == names.end()) {
            const auto near = closest(v, names);
            fail(pos(*s), fmt::format("unknown strategy '{}'", v),
                 near.empty() ? fmt::format("strategies: {}", fmt::join(names, ", ")) : fmt::format("did you mean '{}'?", near));
        }
        x.strategy = kAll[it - names.begin()];
    }
    auto bounded = [&](const char* key, uint64_t lo, uint64_t hi, auto& field) {
        if (const auto* v = t.get(key)) {
            const uint64_t value = integer(*v, key);
            if (value < lo || value > hi) fail(pos(*v), fmt::format("{} must be between {} and {}", key, lo, hi));
            field = static_cast<std::remove_reference_t<decltype(field)>>(value);
        }
    };
    bounded("preemption_bound", 0, 10, x.preemption_bound);
    bounded("max_schedules", 1, 10'000'000, x.max_schedules);
    bounded("seed", 0, UINT32_MAX, x.seed);
    bounded("depth", 1, 10, x.depth);
    bounded("quantum_blocks", 1, 1'000'000, x.quantum_blocks);
    bounded("budget_blocks", 1, 1'000'000'000'000'000, x.budget_blocks);
    if (const auto* p = t.get("prune")) {
        if (!p->is_boolean()) fail(pos(*p), "prune is true or false");
        if (x.strategy != explore::Strategy::Exhaustive) fail(pos(*p), "prune applies to strategy = \"exhaustive\" only");
        x.prune = p->as_boolean()->get();
    }
    c.explore = x;
}

void Parser::parse_injects(const toml::node& n, CaseFile& c) const {
    if (!n.is_array_of_tables()) fail(pos(n), "injections are written [[inject]]");
    for (const auto& e : *n.as_array()) {
        const auto& t = *e.as_table();
        check_keys(t, {"at", "softirq", "irq", "preempt", "cpu", "migrate", "max_points"}, "[[inject]]");
        InjectSpec spec;
        spec.pos = spec.at_pos = spec.handler_pos = spec.cpu_pos = pos(t);
        emu::Injection& inj = spec.injection;
        const auto* at = t.get("at");
        if (!at) fail(pos(t), "[[inject]] needs 'at': call:FUNC, return:FUNC, pte_write:N or barrier:N");
        spec.at_pos = pos(*at);
        std::string error;
        const auto point = emu::InjectPoint::parse(string(*at, "at"), error);
        if (!point) fail(pos(*at), error);
        inj.at = *point;
        int kinds = 0;
        for (const auto kind : {emu::InjectKind::Softirq, emu::InjectKind::Irq, emu::InjectKind::Preempt}) {
            const auto* h = t.get(std::string(emu::to_string(kind)));
            if (!h) continue;
            if (++kinds > 1) fail(pos(*h), "give one of softirq, irq or preempt per [[inject]]");
            inj.kind = kind;
            inj.handler = string(*h, std::string(emu::to_string(kind)));
            spec.handler_pos = pos(*h);
        }
        if (!kinds)
            fail(pos(t), "[[inject]] needs what runs: softirq = \"fn\", irq = \"fn\" or preempt = \"fn\"",
                 "fn is a guest function `void fn(void)` in the case's sources");
        if (const auto* cpu = t.get("cpu")) {
            inj.cpu = static_cast<int>(integer(*cpu, "cpu"));
            spec.cpu_pos = pos(*cpu);
            if (inj.cpu >= LMEMU_MAX_CPUS) fail(pos(*cpu), fmt::format("cpu must be below {}", LMEMU_MAX_CPUS));
        }
        if (const auto* m = t.get("migrate")) {
            if (inj.kind != emu::InjectKind::Preempt) fail(pos(*m), "migrate only goes with preempt");
            inj.migrate = static_cast<int>(integer(*m, "migrate"));
            if (inj.migrate >= LMEMU_MAX_CPUS) fail(pos(*m), fmt::format("migrate must be below {}", LMEMU_MAX_CPUS));
        }
        if (const auto* m = t.get("max_points")) {
            if (!inj.at.sweep) fail(pos(*m), "max_points only goes with a sweep (an 'at' that ends in `*`)");
            spec.max_points = integer(*m, "max_points");
            if (*spec.max_points == 0) fail(pos(*m), "max_points must be at least 1");
        }
        if (inj.at.sweep) {
            if (c.sweep) fail(pos(*at), "only one [[inject]] of a case may sweep (`*`)");
            c.sweep = c.injects.size();
        }
        c.injects.push_back(std::move(spec));
    }
}

CaseFile Parser::parse() {
    toml::table root;
    if (!fs::is_regular_file(file_)) fail({file_, 0, 0}, "no such case file");
    try {
        root = toml::parse_file(file_.string());
    } catch (const toml::parse_error& e) {
        fail(pos(e.source()), std::string(e.description()));
    }
    check_keys(root, {"case", "config", "matrix", "variants", "expect", "inject", "explore"}, "the case file");

    CaseFile c;
    c.file = file_;
    const toml::node* case_node = root.get("case");
    if (!case_node) fail({file_, 1, 1}, "missing [case] table");
    const auto& ct = table(*case_node, "[case]");
    check_keys(ct, {"name", "summary", "arch", "sources", "code", "refs", "threads"}, "[case]");
    if (!ct.get("name")) fail(pos(ct), "[case] needs a name");
    c.name = string(*ct.get("name"), "name");
    if (const auto* n = ct.get("summary")) c.summary = string(*n, "summary");
    c.arches = {"arm64"};
    if (const auto* n = ct.get("arch")) {
        c.arches_pos = pos(*n);
        c.arches.clear();
        if (n->is_array()) {
            if (n->as_array()->empty()) fail(pos(*n), "[case] arch must name at least one arch model");
            for (const auto& e : *n->as_array()) c.arches.push_back(arch_model(e));
        } else {
            c.arches.push_back(arch_model(*n));
        }
    }
    if (const auto* n = ct.get("refs")) c.refs = strings(*n, "refs");
    const auto* sources = ct.get("sources");
    const auto* code = ct.get("code");
    if (sources && code) fail(pos(*code), "give either 'sources' or 'code', not both");
    if (sources) c.sources = source_list(*sources, "sources");
    else if (code) {
        // The code starts on the line after the opening ''' (TOML trims that first newline).
        const int line = static_cast<int>(code->source().begin.line) + 1;
        c.sources.push_back({file_, string(*code, "code"), line});
    } else {
        fail(pos(ct), "[case] needs 'sources' or 'code' (the guest C defining `void scenario(void)`)");
    }
    if (const auto* n = ct.get("threads")) parse_threads(*n, c);

    if (const auto* n = root.get("config")) {
        const auto& t = table(*n, "[config]");
        for (const auto& [k, v] : t) {
            check_config_key(k);
            c.config[std::string(k.str())] = config_value(std::string(k.str()), v);
            if (k.str() == "arch") check_arch_fits(c, c.config["arch"], v);
        }
    }
    c.config.try_emplace("arch", c.arches.front());
    if (const auto* n = root.get("matrix")) {
        const auto& t = table(*n, "[matrix]");
        for (const auto& [k, v] : t) {
            check_config_key(k);
            Dimension d;
            d.name = std::string(k.str());
            if (!v.is_array() || v.as_array()->empty())
                fail(pos(v), fmt::format("matrix dimension '{}' must be a non-empty array", d.name));
            for (const auto& e : *v.as_array()) {
                d.values.push_back(config_value(d.name, e));
                if (d.name == "arch") check_arch_fits(c, d.values.back(), e);
            }
            c.dimensions.push_back(std::move(d));
        }
    }
    if (const auto* n = root.get("variants")) {
        const auto& t = table(*n, "[variants]");
        for (const auto& [k, v] : t) {
            Dimension d;
            d.name = std::string(k.str());
            d.is_variant = true;
            const auto& vt = table(v, fmt::format("[variants.{}]", d.name));
            if (vt.empty()) fail(pos(vt), fmt::format("[variants.{}] has no variants", d.name));
            for (const auto& [vk, vv] : vt) {
                d.values.emplace_back(vk.str());
                d.sources[std::string(vk.str())] = source_list(vv, fmt::format("variant '{}'", vk.str()));
            }
            c.dimensions.push_back(std::move(d));
        }
    }
    // Checked before any cell exists: expand() builds them all.
    uint64_t cells = 1;
    std::vector<std::string> sizes;
    for (const auto& d : c.dimensions) {
        cells = std::min<uint64_t>(cells * d.values.size(), kMaxCells + 1);
        sizes.push_back(fmt::format("{} {}", d.values.size(), d.name));
    }
    if (cells > kMaxCells)
        fail(pos(*root.get(root.contains("variants") ? "variants" : "matrix")),
             fmt::format("the matrix and variants give more than {} cells ({})", kMaxCells, fmt::join(sizes, " x ")),
             "split the case file, or sweep fewer values");
    if (const auto* n = root.get("expect")) {
        if (!n->is_array_of_tables()) fail(pos(*n), "expectations are written [[expect]]");
        for (const auto& e : *n->as_array()) {
            const auto& et = *e.as_table();
            check_keys(et, {"when", "verdict", "hazard", "in", "lost_batching", "deferred", "pte_writes", "points", "schedules"},
                       "[[expect]]");
            Expect x;
            x.pos = pos(et);
            if (const auto* w = et.get("when")) {
                const auto& wt = table(*w, "when");
                for (const auto& [wk, wv] : wt) {
                    const std::string dim{wk.str()};
                    const auto d = std::find_if(c.dimensions.begin(), c.dimensions.end(),
                                                [&](const Dimension& dd) { return dd.name == dim; });
                    if (d == c.dimensions.end()) {
                        std::vector<std::string> names;
                        for (const auto& dd : c.dimensions) names.push_back(dd.name);
                        const auto near = closest(dim, names);
                        fail(pos(wk), fmt::format("'when' names '{}', which is not a matrix dimension or variant set", dim),
                             near.empty() ? std::string{} : fmt::format("did you mean '{}'?", near));
                    }
                    const std::string val = d->is_variant ? string(wv, "when value") : config_value(dim, wv);
                    if (std::find(d->values.begin(), d->values.end(), val) == d->values.end()) {
                        const auto near = closest(val, d->values);
                        fail(pos(wv), fmt::format("'{}' is not a value of '{}'", val, dim),
                             near.empty() ? fmt::format("values: {}", fmt::join(d->values, ", "))
                                          : fmt::format("did you mean '{}'?", near));
                    }
                    x.when[dim] = val;
                }
            }
            const auto* v = et.get("verdict");
            if (!v) fail(pos(et), "[[expect]] needs a verdict");
            const std::string vs = string(*v, "verdict");
            const auto verdict = lazymmu::parse_verdict(vs);
            if (!verdict) {
                const auto names = lazymmu::verdict_names();
                const auto near = closest(vs, names);
                fail(pos(*v), fmt::format("unknown verdict '{}'", vs),
                     near.empty() ? fmt::format("verdicts: {}", fmt::join(names, ", "))
                                  : fmt::format("did you mean '{}'?", near));
            }
            x.verdict = *verdict;
            if (const auto* h = et.get("hazard")) {
                const std::string hs = string(*h, "hazard");
                x.hazard = lazymmu::parse_hazard(hs);
                if (!x.hazard) {
                    const auto names = lazymmu::hazard_names();
                    const auto near = closest(hs, names);
                    fail(pos(*h), fmt::format("unknown hazard '{}'", hs),
                         near.empty() ? fmt::format("hazards: {}", fmt::join(names, ", "))
                                      : fmt::format("did you mean '{}'?", near));
                }
                if (x.verdict != Verdict::Hazard)
                    fail(pos(*h), "'hazard' only makes sense with verdict = \"hazard\"");
            }
            if (const auto* i = et.get("in")) x.in = string(*i, "in");
            if (const auto* sc = et.get("schedules")) {
                const std::string ss = string(*sc, "schedules");
                if (ss != "all" && ss != "some")
                    fail(pos(*sc), fmt::format("schedules must be \"all\" or \"some\", not '{}'", ss),
                         "all: every explored schedule meets the expectation; some: at least one does");
                if (!root.get("explore")) fail(pos(*sc), "'schedules' needs an [explore] table");
                x.schedules = ss == "all" ? Quantifier::All : Quantifier::Some;
            }
            if (const auto* pt = et.get("points")) {
                const std::string ps = string(*pt, "points");
                if (ps != "all" && ps != "some")
                    fail(pos(*pt), fmt::format("points must be \"all\" or \"some\", not '{}'", ps),
                         "all: every point of the sweep meets the expectation; some: at least one does");
                x.points = ps == "all" ? Quantifier::All : Quantifier::Some;
            }
            if (const auto* m = et.get("lost_batching")) x.lost_batching = integer(*m, "lost_batching");
            if (const auto* m = et.get("deferred")) x.deferred = integer(*m, "deferred");
            if (const auto* m = et.get("pte_writes")) x.pte_writes = integer(*m, "pte_writes");
            c.expects.push_back(std::move(x));
        }
    }
    if (c.expects.empty()) fail({file_, 1, 1}, "the case has no [[expect]]: every run needs an expected verdict");
    if (const auto* n = root.get("inject")) parse_injects(*n, c);
    if (const auto* n = root.get("explore")) {
        parse_explore(*n, c);
        if (c.sweep) fail(pos(*n), "an [[inject]] sweep and [explore] do not combine: explore with fixed injection points");
    }
    if (!c.threads.empty()) {
        const auto it = c.config.find("cpus");
        if (it == c.config.end()) c.config["cpus"] = std::to_string(c.threads.size());
        else if (std::stoul(it->second) < c.threads.size())
            fail(c.threads_pos, fmt::format("{} threads need as many CPUs; [config] cpus is {}", c.threads.size(), it->second));
    }
    check_kernel_options(c);
    check_expects_reachable(c);
    return c;
}

// An [[expect]] is reached by the cells for which it is the first whose
// `when` matches; one that no cell reaches was meant for something else.
void Parser::check_expects_reachable(CaseFile& c) const {
    std::vector<bool> reached(c.expects.size(), false);
    std::vector<size_t> at(c.dimensions.size(), 0);  // a mixed-radix counter over the dimensions' values
    for (bool more = true; more;) {
        for (size_t i = 0; i < c.expects.size(); ++i) {
            const bool all = std::all_of(c.expects[i].when.begin(), c.expects[i].when.end(), [&](const auto& kv) {
                for (size_t d = 0; d < c.dimensions.size(); ++d)
                    if (c.dimensions[d].name == kv.first) return c.dimensions[d].values[at[d]] == kv.second;
                return false;
            });
            if (all) {
                reached[i] = true;
                break;
            }
        }
        more = false;
        for (size_t d = c.dimensions.size(); d-- > 0;) {
            if (++at[d] < c.dimensions[d].values.size()) {
                more = true;
                break;
            }
            at[d] = 0;
        }
    }
    for (size_t i = 0; i < c.expects.size(); ++i)
        if (!reached[i])
            c.warnings.push_back(fmt::format("{}:{}:{}: warning: this [[expect]] can never apply: every cell its "
                                             "'when' selects is taken by an earlier [[expect]]",
                                             c.expects[i].pos.file.string(), c.expects[i].pos.line,
                                             c.expects[i].pos.column));
}

}  // namespace

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

CaseError::CaseError(SourcePos pos, std::string message, std::string note)
    : std::runtime_error(message), pos_(std::move(pos)), note_(std::move(note)) {
    if (pos_.line > 0) line_ = source_line(pos_.file, pos_.line);
}

std::string CaseError::render() const {
    std::string out = pos_.line > 0
                          ? fmt::format("{}:{}:{}: error: {}\n", pos_.file.string(), pos_.line, pos_.column, what())
                          : fmt::format("{}: error: {}\n", pos_.file.string(), what());
    if (pos_.line > 0) {
        out += line_ + "\n";
        out += std::string(pos_.column > 0 ? static_cast<size_t>(pos_.column - 1) : 0, ' ') + "^\n";
    }
    if (!note_.empty()) out += fmt::format("note: {}\n", note_);
    return out;
}

CaseFile parse_case_file(const fs::path& file) { return Parser(file).parse(); }

std::vector<emu::Injection> CaseFile::injections() const {
    std::vector<emu::Injection> out;
    for (const auto& spec : injects) {
        out.push_back(spec.injection);
        if (spec.injection.at.sweep) out.back().at.nth = 0;
    }
    return out;
}

void check_threads(const CaseFile& c, const emu::ElfImage& image, int cpus) {
    for (const auto& t : c.threads)
        if (!image.function(t)) {
            const auto near = closest(t, image.function_names());
            throw CaseError(c.threads_pos, fmt::format("thread '{}' is not a function of the case's sources", t),
                            near.empty() ? "define it as void NAME(void)" : fmt::format("did you mean '{}'?", near));
        }
    if (static_cast<int>(c.threads.size()) > cpus)
        throw CaseError(c.threads_pos, fmt::format("{} threads need as many CPUs; this cell has {}", c.threads.size(), cpus));
}

void check_injections(const CaseFile& c, const emu::ElfImage& image, int cpus) {
    auto check_function = [&](const std::string& name, const SourcePos& p, const char* what) {
        if (image.function(name)) return;
        const auto near = closest(name, image.function_names());
        throw CaseError(p, fmt::format("{} '{}' is not a function of the kernel or the case's sources", what, name),
                        near.empty() ? "it must be a function the compiler kept: mark it noinline if it is static"
                                     : fmt::format("did you mean '{}'?", near));
    };
    for (const auto& spec : c.injects) {
        const auto& inj = spec.injection;
        if (!inj.at.function.empty()) check_function(inj.at.function, spec.at_pos, "injection point");
        check_function(inj.handler, spec.handler_pos, "handler");
        if (inj.cpu >= cpus)
            throw CaseError(spec.cpu_pos, fmt::format("cpu {} is out of range: this run has {} CPU(s), 0 to {}",
                                                      inj.cpu, cpus, cpus - 1),
                            "set cpus in [config]");
        if (inj.migrate >= cpus)
            throw CaseError(spec.pos, fmt::format("migrate = {} is out of range: this run has {} CPU(s), 0 to {}",
                                                  inj.migrate, cpus, cpus - 1),
                            "set cpus in [config]");
    }
}

std::string Cell::label() const {
    if (coords.empty()) return "default";
    std::vector<std::string> parts;
    for (const auto& [k, v] : coords) parts.push_back(k + "=" + v);
    return fmt::format("{}", fmt::join(parts, ","));
}

std::vector<Cell> expand(const CaseFile& c) {
    std::vector<Cell> cells(1);
    cells[0].config = c.config;
    cells[0].sources = c.sources;
    for (const auto& d : c.dimensions) {
        std::vector<Cell> next;
        for (const auto& base : cells)
            for (const auto& v : d.values) {
                Cell cell = base;
                cell.coords.emplace_back(d.name, v);
                if (d.is_variant) {
                    const auto& extra = d.sources.at(v);
                    cell.sources.insert(cell.sources.end(), extra.begin(), extra.end());
                } else {
                    cell.config[d.name] = v;
                }
                next.push_back(std::move(cell));
            }
        cells = std::move(next);
    }
    return cells;
}

const Expect* match_expect(const CaseFile& c, const Cell& cell) {
    for (const auto& e : c.expects) {
        const bool all = std::all_of(e.when.begin(), e.when.end(), [&](const auto& kv) {
            return std::any_of(cell.coords.begin(), cell.coords.end(),
                               [&](const auto& cv) { return cv.first == kv.first && cv.second == kv.second; });
        });
        if (all) return &e;
    }
    return nullptr;
}

CellSettings settings_for(const std::map<std::string, ConfigValue>& config) {
    CellSettings s;
    // Kernel options arm64's defconfig turns on, which a case may turn off.
    std::map<std::string, ConfigValue> options{{"RODATA_FULL_DEFAULT_ENABLED", "true"}, {"lazy_tlb", "refcount"}};
    for (const auto& [k, v] : config) options[k] = v;
    for (const auto& [k, v] : options) {
        if (k == "policy") s.policy = *lazymmu::parse_policy(v);
        else if (k == "arch") s.arch = *lazymmu::parse_arch_model(v);
        else if (k == "timeout_ms") s.timeout_ms = std::stoull(v);
        else if (k == "budget_blocks") s.budget_blocks = std::stoull(v);
        else if (k == "cpus") s.cpus = std::stoi(v);
        else if (k == "arch_features") s.arch_features = *lazymmu::parse_arch_features(v);
        // Kconfig's MMU_LAZY_TLB_REFCOUNT (default y) or MMU_LAZY_TLB_SHOOTDOWN;
        // "hazard-ptr" is Andy Lutomirski's per-CPU hazard pointers (seed 003,
        // not merged; the option name is lmemu's); "none" is none of them:
        // lazy mms uncounted and not shot down (seed 000).
        else if (k == "lazy_tlb" && v == "refcount") s.defines["CONFIG_MMU_LAZY_TLB_REFCOUNT"] = "1";
        else if (k == "lazy_tlb" && v == "shootdown") s.defines["CONFIG_MMU_LAZY_TLB_SHOOTDOWN"] = "1";
        else if (k == "lazy_tlb" && v == "hazard-ptr") s.defines["CONFIG_MMU_LAZY_TLB_HAZARD_PTR"] = "1";
        else if (k == "lazy_tlb") continue;
        else if (v == "true") s.defines["CONFIG_" + k] = "1";
        else if (v != "false" && v != "0") s.defines["CONFIG_" + k] = v;  // off: undefined, as #ifdef and IS_ENABLED() read it
    }
    s.debug_pagealloc = s.defines.count("CONFIG_DEBUG_PAGEALLOC") > 0;
    s.rodata_full = s.defines.count("CONFIG_RODATA_FULL_DEFAULT_ENABLED") > 0;
    // What the guest's cpufeature checks see (system_supports_bbml2_noabort(), ...).
    if (s.arch_features.ets2) s.defines["LMEMU_HAS_ETS2"] = "1";
    if (s.arch_features.bbml2) s.defines["LMEMU_HAS_BBML2"] = "1";
    if (s.arch_features.lpa2) s.defines["LMEMU_HAS_LPA2"] = "1";
    s.defines[std::string(lazymmu::config_define(s.policy))] = "1";
    s.defines[std::string(lazymmu::config_define(s.arch))] = "1";
    return s;
}

}  // namespace lmemu::runner
