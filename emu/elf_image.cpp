#include "emu/elf_image.h"

#include "kernel/include/lmemu/machine.h"

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>
#include <memory>
#include <stdexcept>

namespace lmemu::emu {

namespace {
struct ElfCloser {
    void operator()(Elf* e) const { elf_end(e); }
};
}  // namespace

ElfImage ElfImage::load(const std::string& path) {
    if (elf_version(EV_CURRENT) == EV_NONE) throw std::runtime_error("libelf: initialisation failed");
    const int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot open", path));
    std::unique_ptr<Elf, ElfCloser> elf{elf_begin(fd, ELF_C_READ, nullptr)};
    auto fail = [&](const char* what) {
        close(fd);
        return std::runtime_error(fmt::format("{}: {}: {}", path, what, elf_errmsg(-1)));
    };
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) throw fail("not an ELF file");
    GElf_Ehdr eh;
    if (!gelf_getehdr(elf.get(), &eh) || eh.e_machine != EM_AARCH64) throw fail("not an aarch64 ELF");

    ElfImage img;
    img.path_ = path;
    img.entry_ = eh.e_entry;
    size_t nphdr = 0;
    elf_getphdrnum(elf.get(), &nphdr);
    size_t file_size = 0;
    const char* file = elf_rawfile(elf.get(), &file_size);
    for (size_t i = 0; i < nphdr; ++i) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf.get(), static_cast<int>(i), &ph) || ph.p_type != PT_LOAD) continue;
        if (ph.p_offset + ph.p_filesz > file_size || ph.p_filesz > ph.p_memsz) throw fail("segment outside the file");
        // Checked before anything is allocated: a huge .bss would otherwise be zero-filled first.
        if (ph.p_vaddr < LMEMU_KIMAGE_VADDR || ph.p_memsz > LMEMU_KIMAGE_MAX ||
            ph.p_vaddr - LMEMU_KIMAGE_VADDR > LMEMU_KIMAGE_MAX - ph.p_memsz) {
            close(fd);
            throw std::runtime_error(fmt::format("{}: a segment at {:#x} of {} bytes does not fit the kernel image "
                                                 "window ({} MiB at {:#x})",
                                                 path, ph.p_vaddr, ph.p_memsz, LMEMU_KIMAGE_MAX >> 20,
                                                 LMEMU_KIMAGE_VADDR));
        }
        Segment s;
        s.vaddr = ph.p_vaddr;
        s.data.assign(file + ph.p_offset, file + ph.p_offset + ph.p_filesz);
        s.data.resize(ph.p_memsz, 0);
        s.exec = ph.p_flags & PF_X;
        s.write = ph.p_flags & PF_W;
        img.segments_.push_back(std::move(s));
    }
    for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf.get(), scn));) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        const size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
        for (size_t k = 0; k < n; ++k) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(k), &sym)) continue;
            const int type = GELF_ST_TYPE(sym.st_info);
            if ((type != STT_FUNC && type != STT_OBJECT) || sym.st_value == 0) continue;
            const char* name = elf_strptr(elf.get(), sh.sh_link, sym.st_name);
            if (!name || !*name) continue;
            img.symbols_.push_back({sym.st_value, sym.st_size, name, type == STT_FUNC});
        }
    }
    close(fd);
    // Strong definitions shadow __weak ones of the same name; keep the sort stable by name for determinism.
    std::sort(img.symbols_.begin(), img.symbols_.end(),
              [](const Symbol& a, const Symbol& b) { return a.addr != b.addr ? a.addr < b.addr : a.name < b.name; });
    for (size_t i = 0; i < img.symbols_.size(); ++i) img.by_name_.try_emplace(img.symbols_[i].name, i);
    return img;
}

std::optional<uint64_t> ElfImage::symbol(const std::string& name) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    return symbols_[it->second].addr;
}

const ElfImage::Symbol* ElfImage::function(const std::string& name) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) return nullptr;
    // Sorted by address, a function can share its name with a local label:
    // look among the symbols of that name.
    for (size_t i = it->second; i < symbols_.size(); ++i)
        if (symbols_[i].func && symbols_[i].name == name) return &symbols_[i];
    return nullptr;
}

std::vector<std::string> ElfImage::function_names() const {
    std::vector<std::string> out;
    for (const auto& s : symbols_)
        if (s.func) out.push_back(s.name);
    return out;
}

const ElfImage::Symbol* ElfImage::symbol_at(uint64_t addr) const {
    auto it = std::upper_bound(symbols_.begin(), symbols_.end(), addr,
                               [](uint64_t a, const Symbol& s) { return a < s.addr; });
    while (it != symbols_.begin()) {
        --it;
        if (addr >= it->addr && addr < it->addr + std::max<uint64_t>(it->size, 1)) return &*it;
        if (it->addr < addr && it->size == 0) continue;
        break;
    }
    return nullptr;
}

std::string ElfImage::symbolize(uint64_t addr, bool return_address) const {
    // A call that never returns can be its function's last instruction: its
    // return address is the next function's start (Linux's %pB does the same).
    if (const Symbol* s = symbol_at(return_address ? addr - 4 : addr))
        return fmt::format("{}+{:#x}/{:#x}", s->name, addr - s->addr, s->size);
    return fmt::format("{:#018x}", addr);
}

std::string ElfImage::function_at(uint64_t addr) const {
    const Symbol* s = symbol_at(addr);
    return s ? s->name : std::string{};
}

}  // namespace lmemu::emu

namespace lmemu::emu {

struct ElfImage::Dwarf {
    int fd = -1;
    ::Dwarf* dw = nullptr;
    ~Dwarf() {
        if (dw) dwarf_end(dw);
        if (fd >= 0) close(fd);
    }
};

std::string ElfImage::source_line(uint64_t addr) const {
    std::call_once(*dwarf_once_, [&] {
        auto d = std::make_shared<Dwarf>();
        d->fd = open(path_.c_str(), O_RDONLY);
        if (d->fd >= 0) d->dw = dwarf_begin(d->fd, DWARF_C_READ);
        dwarf_ = std::move(d);
    });
    if (!dwarf_->dw) return {};
    Dwarf_Die cu;
    if (!dwarf_addrdie(dwarf_->dw, addr, &cu)) return {};
    Dwarf_Line* line = dwarf_getsrc_die(&cu, addr);
    int lineno = 0;
    const char* file = line ? dwarf_linesrc(line, nullptr, nullptr) : nullptr;
    if (!file || dwarf_lineno(line, &lineno) != 0 || lineno <= 0) return {};
    // Assembly's compilation folder is "." (runner/guest_build.cpp): name its files as C's are named.
    const std::string_view name = std::string_view(file).starts_with("./") ? file + 2 : file;
    return fmt::format("{}:{}", name, lineno);
}

}  // namespace lmemu::emu
