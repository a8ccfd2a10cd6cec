#include "runner/guest_build.h"

#include "runner/data_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

extern char** environ;

namespace lmemu::runner {

namespace fs = std::filesystem;

std::string content_hash(const std::string& data) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : data) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return fmt::format("{:016x}", h);
}

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs argv (in `cwd` unless it is empty), returns exit status and combined
// output. No shell is involved.
int run_tool(const std::vector<std::string>& argv, std::string& output, const fs::path& cwd = {}) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int err = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (err != 0) {
        close(pipefd[0]);
        output += fmt::format("cannot run {}: {}\n", argv[0], strerror(err));
        return -1;
    }
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Every `from` in `s` becomes `to`: this process's copy of a source named as the source.
void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

// Writes via a temporary name so a crash never leaves half a cache entry.
bool publish(const fs::path& tmp, const fs::path& final_path) {
    std::error_code ec;
    fs::rename(tmp, final_path, ec);
    return !ec;
}

const std::vector<std::string> kBaseFlags{
    "--target=aarch64-linux-gnu", "-ffreestanding", "-fno-builtin", "-nostdinc", "-mgeneral-regs-only",
    "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-O2",
    // Tail calls would drop frames such as set_memory_valid() from backtraces.
    "-fno-optimize-sibling-calls", "-fno-pic", "-fno-pie",
    "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-Wall",
    "-Wno-unused-function", "-D__KERNEL__", "-fdiagnostics-color=never",
    // As Linux's top-level Makefile: these are bugs, not style.
    "-Werror=implicit-function-declaration", "-Werror=implicit-int", "-Werror=return-type",
};

}  // namespace

fs::path GuestBuilder::default_kernel_dir() {
    if (const char* d = std::getenv("LMEMU_KERNEL_DIR")) return d;
    return data_dir() / "kernel";
}

fs::path GuestBuilder::default_cache_dir() {
    if (const char* d = std::getenv("LMEMU_CACHE")) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME")) return fs::path(x) / "lmemu";
    if (const char* h = std::getenv("HOME")) return fs::path(h) / ".cache" / "lmemu";
    return fs::temp_directory_path() / "lmemu-cache";
}

GuestBuilder::GuestBuilder(fs::path kernel_dir, fs::path cache_dir, uint64_t cache_limit_bytes)
    // Absolute, since assembly is compiled from another folder (compile()).
    : kernel_dir_(fs::weakly_canonical(fs::absolute(kernel_dir))), cache_dir_(fs::absolute(cache_dir)) {
    fs::create_directories(cache_dir_);
    trim_cache(cache_limit_bytes);
    for (const auto& e : fs::recursive_directory_iterator(kernel_dir_)) {
        const auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".c" || ext == ".S")) kernel_sources_.push_back(e.path());
    }
    // Sorted, so link order never depends on directory order.
    std::sort(kernel_sources_.begin(), kernel_sources_.end());
}

namespace {

// The prerequisites of a make rule as clang -MD writes it, minus `skip`.
std::vector<fs::path> parse_depfile(const std::string& d, const fs::path& skip, const fs::path& base) {
    std::vector<fs::path> out;
    std::string word;
    bool after_colon = false;
    auto flush = [&] {
        if (!word.empty() && after_colon && word != skip.string()) out.push_back(fs::weakly_canonical(base / word));
        if (!word.empty() && word.back() == ':') after_colon = true;
        word.clear();
    };
    for (size_t i = 0; i < d.size(); ++i) {
        const char c = d[i];
        if (c == '\\' && i + 1 < d.size() && (d[i + 1] == '\n' || d[i + 1] == ' ')) {
            if (d[i + 1] == ' ') word += ' ';  // an escaped space is part of the name
            else flush();
            ++i;
        } else if (c == ' ' || c == '\n' || c == '\t') {
            flush();
        } else {
            word += c;
        }
    }
    flush();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// What the headers an object was built from hold now: their paths and contents.
std::optional<std::string> headers_digest(const std::vector<fs::path>& headers) {
    std::string all;
    for (const auto& h : headers) {
        if (!fs::is_regular_file(h)) return std::nullopt;  // gone: the compile would differ
        all += h.string() + '\0' + read_file(h) + '\0';
    }
    return content_hash(all);
}

// Marks a cache entry used, for eviction by age of last use.
void touch(const fs::path& p) {
    std::error_code ec;
    fs::last_write_time(p, fs::file_time_type::clock::now(), ec);
}

}  // namespace

uint64_t GuestBuilder::default_cache_limit() {
    if (const char* mb = std::getenv("LMEMU_CACHE_MAX_MB")) return std::strtoull(mb, nullptr, 10) << 20;
    return uint64_t{1} << 30;
}

void GuestBuilder::trim_cache(uint64_t limit) {
    std::error_code ec;
    // Folders of processes that died mid-compile.
    for (const auto& e : fs::directory_iterator(cache_dir_ / "tmp", ec)) {
        const pid_t pid = static_cast<pid_t>(std::strtol(e.path().filename().c_str(), nullptr, 10));
        if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
    }
    struct Entry {
        fs::file_time_type used;
        uint64_t size;
        fs::path path;
    };
    std::vector<Entry> entries;
    uint64_t total = 0;
    for (const char* sub : {"obj", "elf", "dep"})
        for (const auto& e : fs::directory_iterator(cache_dir_ / sub, ec)) {
            if (!e.is_regular_file(ec)) continue;
            entries.push_back({e.last_write_time(ec), e.file_size(ec), e.path()});
            total += entries.back().size;
        }
    if (total <= limit) return;
    // Least recently used first, down to three quarters of the limit so trimming is rare.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
    for (const auto& e : entries) {
        if (total <= limit / 4 * 3) break;
        if (fs::remove(e.path, ec)) total -= e.size;
    }
}

// Two-level key, as ccache's direct mode: the source and flags name a
// manifest listing every header the last compile of them read (clang's
// dependency output); the object is named by that key and the headers'
// current contents, so editing any header it read, in any folder, rebuilds it.
std::optional<fs::path> GuestBuilder::compile(const fs::path& src, int first_line, const std::string& text,
                                              const std::vector<std::string>& flags, std::string& diag,
                                              int& compiled) {
    // One spelling per file, so a cached object's __FILE__ never depends on how it was named.
    const fs::path source = src.has_filename() ? fs::weakly_canonical(src) : src;
    // clang 14's assembler ignores -ffile-prefix-map, so assembly under the
    // kernel's parent folder is compiled from there, by a relative name, for
    // its line table to name it as C sources are named ("kernel/.../entry.S").
    const bool assembly = src.extension() == ".S";
    const fs::path source_root = kernel_dir_.parent_path();
    const fs::path under_root = source.lexically_relative(source_root);
    const bool relative_asm = assembly && !under_root.empty() && *under_root.begin() != "..";
    const fs::path tool_dir = relative_asm ? source_root : fs::path();
    std::vector<std::string> tool_flags = flags;
    if (relative_asm) tool_flags.push_back("-fdebug-compilation-dir=.");
    std::string key_material = source.string() + fmt::format(":{}", first_line) + '\0' + text;
    for (const auto& f : tool_flags) key_material += '\0' + f;
    const std::string key = content_hash(key_material);
    const fs::path manifest = cache_dir_ / "dep" / (key + ".deps");
    if (fs::exists(manifest)) {
        std::vector<fs::path> headers;
        std::istringstream in(read_file(manifest));
        for (std::string line; std::getline(in, line);) headers.emplace_back(line);
        if (const auto digest = headers_digest(headers)) {
            const fs::path obj = cache_dir_ / "obj" / fmt::format("{}-{}.o", key, *digest);
            if (fs::exists(obj)) {
                touch(obj);
                return obj;
            }
        }
    }
    fs::create_directories(cache_dir_ / "obj");
    fs::create_directories(manifest.parent_path());

    // Compile from the text we hashed. The copy keeps the source's own file
    // name (in a per-process folder), so the linker's "referenced by" names it too.
    const fs::path tmp_dir = cache_dir_ / "tmp" / std::to_string(getpid());
    fs::create_directories(tmp_dir);
    // Assembly is compiled where it is (its line table names that file; a
    // line marker would not); C from a copy of the hashed text, whose line
    // marker names the source in diagnostics, __FILE__ and line tables.
    const fs::path tmp_src = relative_asm ? under_root
                             : assembly   ? source
                                          : tmp_dir / (src.has_filename() ? src.filename() : fs::path("scenario.c"));
    if (!assembly) {
        std::ofstream out(tmp_src, std::ios::binary);
        out << "# " << first_line << " \"" << source.string() << "\"\n" << text;
    }
    const std::string tmp_suffix = fmt::format(".{}.tmp", getpid());
    const fs::path tmp_obj = cache_dir_ / "obj" / (key + tmp_suffix);
    const fs::path tmp_dep = tmp_dir / "deps.d";
    auto clang = [&](std::initializer_list<std::string> what, std::string& out) {
        std::vector<std::string> argv{"clang"};
        argv.insert(argv.end(), tool_flags.begin(), tool_flags.end());
        argv.insert(argv.end(), {"-MD", "-MF", tmp_dep.string(), "-x", assembly ? "assembler-with-cpp" : "c"});
        argv.insert(argv.end(), what);
        argv.push_back(tmp_src.string());
        return run_tool(argv, out, tool_dir);
    };
    auto cleanup = [&] {
        if (!assembly) fs::remove(tmp_src);
        fs::remove(tmp_dep);
        fs::remove(tmp_dir);  // only if empty
    };
    // Preprocessor mode, as ccache's: most sources read few of a
    // configuration's CONFIG_ options, so configurations mostly preprocess a
    // source to the same text, and one object serves them all. The text is
    // keyed with the flags that act after preprocessing, and this process's
    // copy of the source is named out of it. Assembly keeps its own file in
    // its line table, so it is always compiled.
    std::optional<fs::path> shared_obj;
    if (!assembly) {
        const fs::path tmp_i = tmp_dir / "preprocessed.i";
        std::string out;
        if (clang({"-E", "-o", tmp_i.string()}, out) == 0) {
            std::string material = read_file(tmp_i);
            replace_all(material, tmp_src.string(), source.string());
            for (const auto& f : flags)
                if (!f.starts_with("-D") && !f.starts_with("-I") && !f.starts_with("-iquote")) material += '\0' + f;
            shared_obj = cache_dir_ / "obj" / ("pp-" + content_hash(material) + ".o");
        }
        fs::remove(tmp_i);
    }
    std::string out;
    int rc = 0;
    std::error_code ec;
    // The deps come from the -E run; a cache without hard links compiles instead.
    const bool shared = shared_obj && fs::exists(*shared_obj) && (fs::create_hard_link(*shared_obj, tmp_obj, ec), !ec);
    if (!shared) {
        rc = clang({"-c", "-o", tmp_obj.string()}, out);
        ++compiled;
        if (rc == 0 && shared_obj) fs::create_hard_link(tmp_obj, *shared_obj, ec);  // lost a race: theirs is as good
    }
    const std::vector<fs::path> headers = parse_depfile(read_file(tmp_dep), tmp_src, tool_dir);
    cleanup();
    if (!assembly) replace_all(out, tmp_src.string(), source.string());
    diag += out;
    const auto digest = headers_digest(headers);
    if (rc != 0 || !digest) {
        fs::remove(tmp_obj);
        return std::nullopt;
    }
    const fs::path obj = cache_dir_ / "obj" / fmt::format("{}-{}.o", key, *digest);
    std::string list;
    for (const auto& h : headers) list += h.string() + '\n';
    const fs::path tmp_manifest = manifest.string() + tmp_suffix;
    std::ofstream(tmp_manifest, std::ios::binary) << list;
    if (!publish(tmp_obj, obj) || !publish(tmp_manifest, manifest)) {
        fs::remove(tmp_obj);
        fs::remove(tmp_manifest);
        return std::nullopt;
    }
    return obj;
}

GuestBuildResult GuestBuilder::build(const GuestBuildRequest& req) {
    std::string request;
    for (const auto& [k, v] : req.defines) request += k + '=' + v + '\0';
    for (const auto& d : req.include_dirs) request += d.string() + '\0';
    for (const auto& s : req.sources)
        request += fmt::format("{}:{}:{}:{}", s.path.string(), s.first_line, s.text ? s.text->size() : -1,
                               s.text.value_or(""));
    if (const auto it = built_.find(request); it != built_.end()) return {it->second, "", 0};
    GuestBuildResult r = build_uncached(req);
    if (r.elf) built_.emplace(std::move(request), *r.elf);
    return r;
}

GuestBuildResult GuestBuilder::build_uncached(const GuestBuildRequest& req) {
    GuestBuildResult r;
    std::vector<std::string> flags = kBaseFlags;
    // Line tables for reports, with paths under the kernel's parent folder
    // relative to it ("kernel/mm/memory.c", "cases/arm64/x.c") in DWARF and __FILE__.
    flags.push_back("-g");
    flags.push_back("-gdwarf-aranges");  // libdw finds a CU by address through them
    flags.push_back("-ffile-prefix-map=" + fs::weakly_canonical(kernel_dir_).parent_path().string() + "/=");
    for (const auto& [k, v] : req.defines) flags.push_back(fmt::format("-D{}={}", k, v));
    flags.push_back("-I" + (kernel_dir_ / "include").string());
    flags.push_back("-I" + (kernel_dir_ / "arch/arm64/include").string());
    // The other arch models' own headers (asm/xen/, asm/book3s/64/, asm/tlbflush_64.h, asm/ipte_batch.h).
    for (const char* arch : {"x86", "powerpc", "sparc", "s390"})
        flags.push_back("-I" + (kernel_dir_ / "arch" / arch / "include").string());
    std::vector<std::string> case_flags = flags;
    for (const auto& d : req.include_dirs) case_flags.push_back("-I" + fs::weakly_canonical(fs::absolute(d)).string());

    std::vector<fs::path> objects;
    bool ok = true;
    // Kernel objects are looked up once per process and configuration: the
    // sources are read and hashed the first time, not on every run.
    std::string config_key;
    for (const auto& f : flags) config_key += f + '\0';
    auto& known = kernel_objects_[config_key];
    if (known.empty()) {
        for (const auto& src : kernel_sources_) {
            auto obj = compile(src, 1, read_file(src), flags, r.diagnostics, r.compiled);
            if (!obj) ok = false;
            else known.push_back(*obj);
        }
        if (!ok) known.clear();
    }
    objects = known;
    for (const auto& s : req.sources) {
        if (!s.text && !fs::exists(s.path)) {
            r.diagnostics += fmt::format("{}: error: source file not found\n", s.path.string());
            ok = false;
            continue;
        }
        const std::string text = s.text ? *s.text : read_file(s.path);
        // Quoted includes resolve next to the source, as they would in a normal build.
        std::vector<std::string> src_flags = case_flags;
        src_flags.push_back("-iquote" + fs::weakly_canonical(fs::absolute(s.path)).parent_path().string());
        auto obj = compile(s.path, s.first_line, text, src_flags, r.diagnostics, r.compiled);
        if (!obj) ok = false;
        else objects.push_back(*obj);
    }
    if (!ok) return r;

    std::string key = read_file(kernel_dir_ / "arch/arm64/kernel/vmlinux.lds");
    for (const auto& o : objects) key += '\0' + o.filename().string();
    const fs::path elf = cache_dir_ / "elf" / (content_hash(key) + ".elf");
    if (fs::exists(elf)) {
        touch(elf);
    } else {
        fs::create_directories(elf.parent_path());
        const fs::path tmp = elf.string() + fmt::format(".{}.tmp", getpid());
        std::vector<std::string> argv{"ld.lld", "-T", (kernel_dir_ / "arch/arm64/kernel/vmlinux.lds").string(),
                                      "-o", tmp.string()};
        for (const auto& o : objects) argv.push_back(o.string());
        std::string out;
        const int rc = run_tool(argv, out);
        r.diagnostics += out;
        if (rc != 0 || !publish(tmp, elf)) {
            fs::remove(tmp);
            return r;
        }
    }
    r.elf = elf;
    return r;
}

}  // namespace lmemu::runner
