#include "runner/guest_build.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

// Runs argv, returns exit status and combined output. No shell is involved.
int run_tool(const std::vector<std::string>& argv, std::string& output) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
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
    return fs::path(LMEMU_SOURCE_DIR) / "kernel";
}

fs::path GuestBuilder::default_cache_dir() {
    if (const char* d = std::getenv("LMEMU_CACHE")) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME")) return fs::path(x) / "lmemu";
    if (const char* h = std::getenv("HOME")) return fs::path(h) / ".cache" / "lmemu";
    return fs::temp_directory_path() / "lmemu-cache";
}

GuestBuilder::GuestBuilder(fs::path kernel_dir, fs::path cache_dir)
    : kernel_dir_(std::move(kernel_dir)), cache_dir_(std::move(cache_dir)) {
    fs::create_directories(cache_dir_);
    std::vector<fs::path> headers;
    for (const auto& e : fs::recursive_directory_iterator(kernel_dir_)) {
        if (!e.is_regular_file()) continue;
        const auto ext = e.path().extension();
        if (ext == ".c" || ext == ".S") kernel_sources_.push_back(e.path());
        else if (ext == ".h" || ext == ".lds") headers.push_back(e.path());
    }
    // Sorted, so link order and digests never depend on directory order.
    std::sort(kernel_sources_.begin(), kernel_sources_.end());
    std::sort(headers.begin(), headers.end());
    std::string all;
    for (const auto& h : headers) all += h.string() + '\0' + read_file(h) + '\0';
    header_digest_ = content_hash(all);
}

std::optional<fs::path> GuestBuilder::compile(const fs::path& src, int first_line, const std::string& text,
                                              const std::vector<std::string>& flags, std::string& diag,
                                              int& compiled) {
    std::string key_material = header_digest_ + '\0' + src.string() + fmt::format(":{}", first_line) + '\0' + text;
    for (const auto& f : flags) key_material += '\0' + f;
    const fs::path obj = cache_dir_ / "obj" / (content_hash(key_material) + ".o");
    if (fs::exists(obj)) return obj;
    fs::create_directories(obj.parent_path());

    // Compile from the text we hashed. The copy keeps the source's own file
    // name (in a per-process folder), so the linker's "referenced by" names it too.
    const bool assembly = src.extension() == ".S";
    const fs::path tmp_dir = cache_dir_ / "tmp" / std::to_string(getpid());
    fs::create_directories(tmp_dir);
    const fs::path tmp_src = tmp_dir / (src.has_filename() ? src.filename() : fs::path("scenario.c"));
    {
        std::ofstream out(tmp_src, std::ios::binary);
        // A line marker names the source in C diagnostics; the assembler ignores them.
        if (!assembly) out << "# " << first_line << " \"" << src.string() << "\"\n";
        out << text;
    }
    const fs::path tmp_obj = obj.string() + fmt::format(".{}.tmp", getpid());
    std::vector<std::string> argv{"clang"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"-x", assembly ? "assembler-with-cpp" : "c", "-c", tmp_src.string(), "-o",
                             tmp_obj.string()});
    std::string out;
    const int rc = run_tool(argv, out);
    fs::remove(tmp_src);
    fs::remove(tmp_dir);  // only if empty
    for (size_t pos; (pos = out.find(tmp_src.string())) != std::string::npos;)
        out.replace(pos, tmp_src.string().size(), src.string());
    diag += out;
    ++compiled;
    if (rc != 0 || !publish(tmp_obj, obj)) {
        fs::remove(tmp_obj);
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
    for (const auto& [k, v] : req.defines) flags.push_back(fmt::format("-D{}={}", k, v));
    flags.push_back("-I" + (kernel_dir_ / "include").string());
    flags.push_back("-I" + (kernel_dir_ / "arch/arm64/include").string());
    std::vector<std::string> case_flags = flags;
    for (const auto& d : req.include_dirs) case_flags.push_back("-I" + d.string());

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
        // Local headers of the case folder are part of what this object depends on.
        std::string local;
        for (const auto& d : req.include_dirs)
            if (fs::is_directory(d))
                for (const auto& e : fs::directory_iterator(d))
                    if (e.path().extension() == ".h") local += read_file(e.path());
        // Quoted includes resolve next to the source, as they would in a normal build.
        std::vector<std::string> src_flags = case_flags;
        if (s.path.has_parent_path()) src_flags.push_back("-iquote" + s.path.parent_path().string());
        auto obj = compile(s.path, s.first_line, text + "\n/* " + content_hash(local) + " */\n", src_flags,
                           r.diagnostics, r.compiled);
        if (!obj) ok = false;
        else objects.push_back(*obj);
    }
    if (!ok) return r;

    std::string key = read_file(kernel_dir_ / "arch/arm64/kernel/vmlinux.lds");
    for (const auto& o : objects) key += '\0' + o.filename().string();
    const fs::path elf = cache_dir_ / "elf" / (content_hash(key) + ".elf");
    if (!fs::exists(elf)) {
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
