#include "runner/parallel.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <map>

#include "runner/report.h"

namespace lmemu::runner {

namespace fs = std::filesystem;

FileResult run_file(Runner& runner, const fs::path& file, bool json) {
    FileResult r;
    for (const auto& o : runner.run_path(file)) {
        r.json.push_back(to_json(o));  // also what --junit and the case table are made from
        if (!json) {
            for (const auto& w : o.warnings) r.text += w + "\n";
            r.text += summary_line(o) + "\n";
            const bool shown = runner.options().all_reports || o.status != Status::Pass;
            const std::string report = shown ? render_report(o) : std::string();
            if (!report.empty()) r.text += report + "\n";
        }
        r.statuses.push_back(o.status);
    }
    return r;
}

namespace {

void write_all(int fd, const std::string& s) {
    for (size_t done = 0; done < s.size();) {
        const ssize_t n = write(fd, s.data() + done, s.size() - done);
        if (n <= 0) _exit(3);
        done += static_cast<size_t>(n);
    }
}

// A worker: runs its files and writes one JSON line per file to `fd`.
[[noreturn]] void worker(const std::vector<fs::path>& files, const std::vector<size_t>& mine, const RunOptions& opt,
                         bool json, int fd) {
    GuestBuilder builder(GuestBuilder::default_kernel_dir(), GuestBuilder::default_cache_dir());
    Runner runner(builder, opt);
    for (const size_t i : mine) {
        FileResult r = run_file(runner, files[i], json);
        nlohmann::json line{{"index", i}, {"text", r.text}, {"json", r.json}, {"statuses", nlohmann::json::array()}};
        for (const Status s : r.statuses) line["statuses"].push_back(static_cast<int>(s));
        write_all(fd, line.dump() + "\n");
    }
    close(fd);
    _exit(0);
}

}  // namespace

std::vector<FileResult> run_files(const std::vector<fs::path>& files, const RunOptions& opt, int jobs, bool json) {
    std::vector<FileResult> results(files.size());
    // The same path always to the same worker: distinct paths in turn.
    std::map<fs::path, size_t> worker_of;
    std::vector<std::vector<size_t>> assigned(static_cast<size_t>(jobs));
    for (size_t i = 0; i < files.size(); ++i) {
        const auto [it, fresh] = worker_of.try_emplace(files[i], worker_of.size() % assigned.size());
        assigned[it->second].push_back(i);
    }
    std::vector<pollfd> fds;
    std::vector<pid_t> pids;
    std::vector<std::string> pending;
    for (const auto& mine : assigned) {
        if (mine.empty()) continue;
        int p[2];
        if (pipe(p) != 0) throw std::runtime_error("pipe failed");
        const pid_t pid = fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            close(p[0]);
            for (const auto& f : fds) close(f.fd);
            worker(files, mine, opt, json, p[1]);
        }
        close(p[1]);
        fds.push_back({p[0], POLLIN, 0});
        pids.push_back(pid);
        pending.emplace_back();
    }
    std::vector<bool> got(files.size(), false);
    for (size_t open = fds.size(); open > 0;) {
        if (poll(fds.data(), fds.size(), -1) < 0) throw std::runtime_error("poll failed");
        for (size_t w = 0; w < fds.size(); ++w) {
            if (fds[w].fd < 0 || !(fds[w].revents & (POLLIN | POLLHUP))) continue;
            char buf[65536];
            const ssize_t n = read(fds[w].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[w].fd);
                fds[w].fd = -1;
                --open;
                continue;
            }
            pending[w].append(buf, static_cast<size_t>(n));
            for (size_t nl; (nl = pending[w].find('\n')) != std::string::npos;) {
                const auto line = nlohmann::json::parse(pending[w].substr(0, nl));
                pending[w].erase(0, nl + 1);
                FileResult& r = results[line["index"].get<size_t>()];
                r.text = line["text"].get<std::string>();
                for (const auto& j : line["json"]) r.json.push_back(j);
                for (const auto& s : line["statuses"]) r.statuses.push_back(static_cast<Status>(s.get<int>()));
                got[line["index"].get<size_t>()] = true;
            }
        }
    }
    for (const pid_t pid : pids) waitpid(pid, nullptr, 0);
    // A worker that died leaves its files without results: each is an error.
    for (size_t i = 0; i < files.size(); ++i)
        if (!got[i]) {
            results[i].text = fmt::format("ERROR {}: the worker process running it died\n", files[i].string());
            results[i].statuses = {Status::Error};
        }
    return results;
}

}  // namespace lmemu::runner
