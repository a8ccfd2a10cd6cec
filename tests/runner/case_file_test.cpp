#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <fmt/format.h>

#include "runner/case_file.h"

using namespace lmemu;
using namespace lmemu::runner;
namespace fs = std::filesystem;

namespace {

// Writes `text` as a case file in a fresh folder and parses it.
struct TempCase {
    fs::path dir = fs::temp_directory_path() / ("lmemu-case-test-" + std::to_string(::getpid()));
    fs::path file = dir / "case.toml";
    explicit TempCase(const std::string& text) {
        fs::create_directories(dir);
        std::ofstream(file) << text;
        std::ofstream(dir / "s.c") << "void scenario(void) {}\n";
    }
    ~TempCase() { fs::remove_all(dir); }
};

CaseError error_of(const std::string& text) {
    TempCase t(text);
    try {
        parse_case_file(t.file);
    } catch (const CaseError& e) {
        return e;
    }
    FAIL("no error for:\n" << text);
    return CaseError({}, "");
}

const char* kGood = R"([case]
name = "x"
sources = ["s.c"]

[config]
DEBUG_PAGEALLOC = true

[matrix]
policy = ["arm64-v6.16", "generic-v7.0"]

[variants.fix]
none = []
mine = ["s.c"]

[[expect]]
when = { policy = "generic-v7.0", fix = "mine" }
verdict = "hazard"
hazard = "stale-tlb"
in = "clear_page"

[[expect]]
verdict = "clean"
lost_batching = 2
)";

}  // namespace

TEST_CASE("case file: a good case expands to one cell per combination, first matching expect wins") {
    TempCase t(kGood);
    const CaseFile c = parse_case_file(t.file);
    const auto cells = expand(c);
    REQUIRE(cells.size() == 4);
    CHECK(cells[0].label() == "policy=arm64-v6.16,fix=mine");
    CHECK(cells[3].label() == "policy=generic-v7.0,fix=none");
    CHECK(cells[2].sources.size() == 2);  // the scenario plus the variant's file
    CHECK(match_expect(c, cells[2])->verdict == lazymmu::Verdict::Hazard);
    CHECK(match_expect(c, cells[3])->verdict == lazymmu::Verdict::Clean);
    CHECK(match_expect(c, cells[3])->lost_batching == 2u);
    const auto s = settings_for(cells[2].config);
    CHECK(s.policy == lazymmu::Policy::GenericV70);
    CHECK(s.debug_pagealloc);
    CHECK(s.defines.at("CONFIG_LAZY_MMU_GENERIC_V7_0") == "1");
}

TEST_CASE("case file: unknown keys name file, line and column, with a suggestion") {
    const auto e = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n\n[config]\npolcy = \"arm64-v6.16\"\n"
                            "[[expect]]\nverdict = \"clean\"\n");
    CHECK(e.pos().line == 6);
    CHECK(e.pos().column == 1);
    CHECK(e.note() == "did you mean 'policy'?");
    const std::string r = e.render();
    CHECK(r.find("case.toml:6:1: error: unknown config key 'polcy'") != std::string::npos);
    CHECK(r.find("polcy = \"arm64-v6.16\"\n^") != std::string::npos);
}

TEST_CASE("case file: wrong types, unknown values and missing files are errors with positions") {
    CHECK(error_of("[case]\nname = 3\n").pos().line == 2);
    const auto verdict = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[[expect]]\nverdict = \"hazzard\"\n");
    CHECK(verdict.pos().line == 5);
    CHECK(verdict.note() == "did you mean 'hazard'?");
    const auto missing = error_of("[case]\nname = \"x\"\nsources = [\"s.c\", \"nope.c\"]\n[[expect]]\nverdict = \"clean\"\n");
    CHECK(missing.pos().line == 3);
    CHECK(missing.pos().column == 19);
    const auto when = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[matrix]\npolicy = [\"arm64-v6.16\"]\n"
                               "[[expect]]\nwhen = { polcy = \"arm64-v6.16\" }\nverdict = \"clean\"\n");
    CHECK(when.pos().line == 7);
    CHECK(when.note() == "did you mean 'policy'?");
    const auto policy = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[config]\npolicy = \"arm64-v616\"\n"
                                 "[[expect]]\nverdict = \"clean\"\n");
    CHECK(policy.note() == "did you mean 'arm64-v6.16'?");
}

TEST_CASE("case file: TOML syntax errors keep toml++'s position") {
    const auto e = error_of("[case]\nname = \"x\n");
    CHECK(e.pos().line == 2);
    CHECK(e.pos().column > 1);
}

TEST_CASE("case file: inline code remembers the line it starts on") {
    TempCase t("[case]\nname = \"x\"\ncode = '''\nvoid scenario(void) {}\n'''\n[[expect]]\nverdict = \"clean\"\n");
    const CaseFile c = parse_case_file(t.file);
    REQUIRE(c.sources.size() == 1);
    CHECK(c.sources[0].first_line == 4);
    CHECK(c.sources[0].text->rfind("void scenario", 0) == 0);
}

TEST_CASE("case file: threads, [explore] and schedules are checked where they are written") {
    const std::string head = "[case]\nname = \"x\"\nsources = [\"s.c\"]\n";
    const std::string expect = "[[expect]]\nverdict = \"clean\"\n";
    const auto strategy = error_of(head + "[explore]\nstrategy = \"exhaustiv\"\n" + expect);
    CHECK(strategy.pos().line == 5);
    CHECK(strategy.note() == "did you mean 'exhaustive'?");
    const auto bound = error_of(head + "[explore]\npreemption_bound = 11\n" + expect);
    CHECK(std::string(bound.what()) == "preemption_bound must be between 0 and 10");
    const auto schedules = error_of(head + "[[expect]]\nverdict = \"clean\"\nschedules = \"some\"\n");
    CHECK(std::string(schedules.what()) == "'schedules' needs an [explore] table");
    const auto prune = error_of(head + "[explore]\nprune = 1\n" + expect);
    CHECK(std::string(prune.what()) == "prune is true or false");
    const auto prune_random = error_of(head + "[explore]\nstrategy = \"random\"\nprune = false\n" + expect);
    CHECK(std::string(prune_random.what()) == "prune applies to strategy = \"exhaustive\" only");
    CHECK(prune_random.pos().line == 6);
    const auto quantifier = error_of(head + "[explore]\n[[expect]]\nverdict = \"clean\"\nschedules = \"most\"\n");
    CHECK(quantifier.pos().line == 7);
    const auto name = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\nthreads = [\"a\", \"2b\"]\n" + expect);
    CHECK(std::string(name.what()) == "thread '2b' is not a C function name");
    CHECK(name.pos().column == 17);
    const auto cpus = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\nthreads = [\"a\", \"b\", \"c\"]\n[config]\ncpus = 2\n" + expect);
    CHECK(std::string(cpus.what()) == "3 threads need as many CPUs; [config] cpus is 2");

    // Good: cpus follows the threads, and the generated scenario() calls them in order.
    TempCase t(head + "threads = [\"writer\", \"reader\"]\n[explore]\nstrategy = \"pct\"\ndepth = 3\n" + expect);
    const CaseFile c = parse_case_file(t.file);
    CHECK(c.config.at("cpus") == "2");
    REQUIRE(c.explore);
    CHECK(c.explore->strategy == explore::Strategy::Pct);
    CHECK(c.explore->depth == 3);
    CHECK(c.explore->prune);
    REQUIRE(c.sources.size() == 2);
    CHECK(c.sources.back().text->find("fns[])(void) = { writer, reader }") != std::string::npos);
}

TEST_CASE("case file: arch_features are checked, and reach the cell's settings") {
    const auto bad = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[config]\narch_features = [\"ETS2\", \"BBM2\"]\n"
                              "[[expect]]\nverdict = \"clean\"\n");
    CHECK(bad.pos().line == 5);
    CHECK(bad.note().find("ETS2, BBML2, LPA2") != std::string::npos);
    TempCase t("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[matrix]\narch_features = [\"none\", [\"LPA2\", \"ETS2\"]]\n"
               "[[expect]]\nverdict = \"clean\"\n");
    const auto cells = expand(parse_case_file(t.file));
    REQUIRE(cells.size() == 2);
    CHECK(settings_for(cells[0].config).arch_features == lazymmu::ArchFeatures{});
    const auto both = settings_for(cells[1].config);
    CHECK(both.arch_features == lazymmu::ArchFeatures{.ets2 = true, .lpa2 = true});
    CHECK(both.defines.count("LMEMU_HAS_LPA2") == 1);
    CHECK(cells[1].label() == "arch_features=ETS2,LPA2");
}

TEST_CASE("case file: an arch model that does not exist is an error naming the models") {
    const auto bad = error_of("[case]\nname = \"x\"\narch = \"xen\"\nsources = [\"s.c\"]\n[[expect]]\nverdict = \"clean\"\n");
    CHECK(bad.pos().line == 3);
    CHECK(bad.pos().column == 8);
    CHECK(std::string(bad.what()).find("unknown arch model 'xen'") != std::string::npos);
    CHECK(bad.note().find("arm64, xen-pv") != std::string::npos);
    const auto in_matrix = error_of("[case]\nname = \"x\"\narch = [\"arm64\", \"xen-pv\"]\nsources = [\"s.c\"]\n"
                                    "[matrix]\narch = [\"arm64\", \"ppc64\"]\n[[expect]]\nverdict = \"clean\"\n");
    CHECK(in_matrix.pos().line == 6);
    CHECK(in_matrix.note().find("arm64, xen-pv") != std::string::npos);
}

TEST_CASE("case file: a cell may only run under a model the case's code is written for") {
    // Arch-specific code (the default: arm64) under another model.
    const auto bad = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[matrix]\narch = [\"arm64\", \"xen-pv\"]\n"
                              "[[expect]]\nverdict = \"clean\"\n");
    CHECK(bad.pos().line == 5);
    CHECK(std::string(bad.what()).find("written for arm64") != std::string::npos);
    CHECK(std::string(bad.what()).find("not for xen-pv") != std::string::npos);
    const auto config = error_of("[case]\nname = \"x\"\narch = \"xen-pv\"\nsources = [\"s.c\"]\n[config]\narch = \"arm64\"\n"
                                 "[[expect]]\nverdict = \"clean\"\n");
    CHECK(config.pos().line == 6);
    // A generic case runs under each model it lists; the first is its default.
    TempCase t("[case]\nname = \"x\"\narch = [\"xen-pv\", \"arm64\"]\nsources = [\"s.c\"]\n[[expect]]\nverdict = \"clean\"\n");
    const auto c = parse_case_file(t.file);
    CHECK(c.arches == std::vector<std::string>{"xen-pv", "arm64"});
    const auto cells = expand(c);
    REQUIRE(cells.size() == 1);
    const auto s = settings_for(cells[0].config);
    CHECK(s.arch == lazymmu::ArchModel::XenPv);
    CHECK(s.defines.count("CONFIG_LMEMU_ARCH_XEN_PV") == 1);
    CHECK(s.machine().arch == lazymmu::ArchModel::XenPv);
}

TEST_CASE("case file: rodata=full is on unless a case turns RODATA_FULL_DEFAULT_ENABLED off") {
    const auto on = settings_for({});
    CHECK(on.rodata_full);
    CHECK(on.defines.count("CONFIG_RODATA_FULL_DEFAULT_ENABLED") == 1);
    CHECK(on.machine().rodata_full);
    const auto off = settings_for({{"RODATA_FULL_DEFAULT_ENABLED", "false"}});
    CHECK_FALSE(off.rodata_full);
    CHECK(off.defines.count("CONFIG_RODATA_FULL_DEFAULT_ENABLED") == 0);
    CHECK_FALSE(off.machine().rodata_full);
}

TEST_CASE("case file: lazy_tlb picks the Kconfig lazy TLB mode; refcount by default; a mode that does not exist names those that do") {
    CHECK(settings_for({}).defines.count("CONFIG_MMU_LAZY_TLB_REFCOUNT") == 1);
    const auto shoot = settings_for({{"lazy_tlb", "shootdown"}});
    CHECK(shoot.defines.count("CONFIG_MMU_LAZY_TLB_SHOOTDOWN") == 1);
    CHECK(shoot.defines.count("CONFIG_MMU_LAZY_TLB_REFCOUNT") == 0);
    const auto hazard = settings_for({{"lazy_tlb", "hazard-ptr"}});
    CHECK(hazard.defines.count("CONFIG_MMU_LAZY_TLB_HAZARD_PTR") == 1);
    CHECK(hazard.defines.count("CONFIG_MMU_LAZY_TLB_REFCOUNT") == 0);
    const auto none = settings_for({{"lazy_tlb", "none"}});
    CHECK(none.defines.count("CONFIG_MMU_LAZY_TLB_SHOOTDOWN") == 0);
    CHECK(none.defines.count("CONFIG_MMU_LAZY_TLB_HAZARD_PTR") == 0);
    CHECK(none.defines.count("CONFIG_MMU_LAZY_TLB_REFCOUNT") == 0);
    const auto e = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[config]\nlazy_tlb = \"refcounted\"\n"
                            "[[expect]]\nverdict = \"clean\"\n");
    CHECK(e.pos().line == 5);
    CHECK(e.note() == "modes: refcount, shootdown, hazard-ptr, none");
}

TEST_CASE("case file: a kernel option nothing refers to is an error with 'did you mean'; one the case reads is fine") {
    const auto e = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[config]\nDEBUG_PAGEALOC = true\n"
                            "[[expect]]\nverdict = \"clean\"\n");
    CHECK(e.pos().line == 5);
    CHECK(std::string(e.what()).find("CONFIG_DEBUG_PAGEALOC") != std::string::npos);
    CHECK(e.note().find("DEBUG_PAGEALLOC") != std::string::npos);
    TempCase t("[case]\nname = \"x\"\ncode = \"\"\"\n#ifdef CONFIG_MY_OWN\nvoid scenario(void) {}\n#endif\n\"\"\"\n"
               "[config]\nMY_OWN = true\n[[expect]]\nverdict = \"clean\"\n");
    CHECK_NOTHROW(parse_case_file(t.file));
}

TEST_CASE("case file: 0 and false turn a kernel option off") {
    CHECK(settings_for({{"DEBUG_PAGEALLOC", "0"}}).defines.count("CONFIG_DEBUG_PAGEALLOC") == 0);
    CHECK_FALSE(settings_for({{"DEBUG_PAGEALLOC", "0"}}).debug_pagealloc);
    CHECK_FALSE(settings_for({{"DEBUG_PAGEALLOC", "false"}}).debug_pagealloc);
    CHECK(settings_for({{"DEBUG_PAGEALLOC", "1"}}).debug_pagealloc);
}

TEST_CASE("case file: an [[expect]] that no cell reaches is a warning") {
    TempCase t("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[matrix]\npolicy = [\"arm64-v6.16\", \"generic-v7.0\"]\n"
               "[[expect]]\nverdict = \"clean\"\n[[expect]]\nwhen = { policy = \"generic-v7.0\" }\nverdict = \"bug\"\n");
    const auto c = parse_case_file(t.file);
    REQUIRE(c.warnings.size() == 1);
    CHECK(c.warnings[0].find("case.toml:8:1: warning: this [[expect]] can never apply") != std::string::npos);
}

TEST_CASE("case file: a matrix of more than kMaxCells cells is refused before any cell is built") {
    std::string values;
    for (int i = 0; i < 101; ++i) values += fmt::format("{}\"v{}\" = []", i ? ", " : "", i);
    const auto e = error_of("[case]\nname = \"x\"\nsources = [\"s.c\"]\n[variants]\na = {" + values + "}\nb = {" + values +
                            "}\n[[expect]]\nverdict = \"clean\"\n");
    CHECK(std::string(e.what()).find("more than 10000 cells (101 a x 101 b)") != std::string::npos);
}

TEST_CASE("case file: max_points caps a sweep only, and at least one point") {
    const std::string head = "[case]\nname = \"x\"\nsources = [\"s.c\"]\n\n[[expect]]\nverdict = \"clean\"\n\n"
                             "[[inject]]\nsoftirq = \"h\"\n";
    {
        TempCase t(head + "at = \"pte_write:*\"\nmax_points = 7\n");
        const CaseFile c = parse_case_file(t.file);
        REQUIRE(c.sweep);
        CHECK(c.injects.at(0).max_points == 7u);
    }
    {
        TempCase t(head + "at = \"pte_write:*\"\n");
        CHECK_FALSE(parse_case_file(t.file).injects.at(0).max_points);  // every point by default
    }
    const auto fixed = error_of(head + "at = \"pte_write:3\"\nmax_points = 7\n");
    CHECK(fixed.pos().line == 11);
    CHECK(std::string(fixed.what()).find("max_points only goes with a sweep") != std::string::npos);
    CHECK(std::string(error_of(head + "at = \"pte_write:*\"\nmax_points = 0\n").what()).find("at least 1") !=
          std::string::npos);
}
