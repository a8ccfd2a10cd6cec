#include "tests/support/guest.h"

#include <stdexcept>

#include <fmt/format.h>

#include "lazymmu/nesting.h"
#include "runner/guest_build.h"

namespace lmemu::test {

emu::RunResult run_guest(const std::string& code, const emu::MachineConfig& cfg,
                         std::map<std::string, std::string> defines) {
    defines[std::string(lazymmu::config_define(cfg.policy))] = "1";
    defines[std::string(lazymmu::config_define(cfg.arch))] = "1";
    const auto image = build_guest(code, defines);
    emu::Machine m(image, cfg);
    return m.run();
}

std::string why(const emu::RunResult& r) { return r.incident ? r.incident->message : std::string("clean"); }

std::string two_threads(const std::string& code, const std::string& after) {
    return code + R"(
        void lmemu_run_threads(void (*const fns[])(void), const char *const names[], int n);
        void scenario(void)
        {
            static void (*const fns[])(void) = { first, second };
            static const char *const names[] = { "first", "second" };
            lmemu_run_threads(fns, names, 2);
            )" + after + R"(
        }
    )";
}

std::optional<lazymmu::Hazard> hazard_of(const emu::RunResult& r) {
    if (!r.incident) return std::nullopt;
    return r.incident->hazard;
}

emu::Injection inject(const char* at, emu::InjectKind kind, const char* handler, int migrate) {
    std::string error;
    emu::Injection i;
    const auto point = emu::InjectPoint::parse(at, error);
    if (!point) throw std::invalid_argument(fmt::format("injection point {}: {}", at, error));
    i.at = *point;
    i.kind = kind;
    i.handler = handler;
    i.migrate = migrate;
    return i;
}

std::string vmalloc_pages_guest(int nr, int order, const std::string& extra, const std::string& body) {
    return fmt::format(R"(
        #include <linux/mm.h>
        #include <linux/gfp.h>
        #include <linux/smp.h>
        #include <asm/tlbflush.h>
        static unsigned long base = VMALLOC_START;
        static unsigned long pa_base;
        static __maybe_unused pte_t *pte(int i) {{ return virt_to_kpte(base + i * PAGE_SIZE); }}
        static __maybe_unused void map(int i)
        {{
            set_pte(pte(i), pfn_pte((pa_base >> PAGE_SHIFT) + i % (1 << {}), PAGE_KERNEL));
        }}
        static __maybe_unused void clear(int i) {{ pte_clear(&init_mm, base + i * PAGE_SIZE, pte(i)); }}
        static __maybe_unused void touch(int i) {{ (void)READ_ONCE(*(unsigned long *)(base + i * PAGE_SIZE)); }}
        noinline void step(void) {{ barrier(); }}
        void other(void) {{ }}
        {}
        void scenario(void)
        {{
            struct page *pages = alloc_pages(GFP_KERNEL, {});
            BUG_ON(!pages);
            pa_base = page_to_phys(pages);
            BUG_ON(apply_to_page_range(&init_mm, base, {} * PAGE_SIZE, NULL, NULL));
            {}
        }}
    )",
                       order, extra, order, nr, body);
}

std::string two_cpu_counter(const std::string& increment) {
    return two_threads(R"(
        #include <linux/kernel.h>
        #include <asm/barrier.h>
        static int counter;
        static void first(void) { )" + increment + R"( }
        static void second(void) { first(); }
    )",
                       "BUG_ON(READ_ONCE(counter) != 2);");
}

emu::ElfImage build_guest(const std::string& code, const std::map<std::string, std::string>& defines) {
    runner::GuestBuilder builder(runner::GuestBuilder::default_kernel_dir(),
                                 runner::GuestBuilder::default_cache_dir());
    runner::GuestBuildRequest req;
    req.sources.push_back({"test-scenario.c", code});
    req.defines = defines;
    const auto r = builder.build(req);
    if (!r.elf) throw std::runtime_error("guest build failed:\n" + r.diagnostics);
    return emu::ElfImage::load(r.elf->string());
}

}  // namespace lmemu::test
