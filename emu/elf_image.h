// A guest kernel ELF read with libelf: its loadable segments and its symbol
// table, which turns addresses into "clear_page+0x10/0x40" for backtraces,
// and its DWARF line table (libdw), which turns them into "mm/memory.c:116".
#pragma once

#include <cstring>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lmemu::emu {

class ElfImage {
public:
    struct Segment {
        uint64_t vaddr = 0;
        std::vector<uint8_t> data;  // file bytes, zero-extended to memsz
        bool exec = false, write = false;
    };
    struct Symbol {
        uint64_t addr = 0, size = 0;
        std::string name;
        bool func = false;
    };

    // Throws std::runtime_error naming the file on any problem.
    static ElfImage load(const std::string& path);

    uint64_t entry() const { return entry_; }
    const std::vector<Segment>& segments() const { return segments_; }
    // The addresses of the instructions in executable segments that `match` accepts.
    template <class Match>
    std::vector<uint64_t> find_insns(Match match) const {
        std::vector<uint64_t> out;
        for (const auto& seg : segments_)
            if (seg.exec)
                for (size_t off = 0; off + 4 <= seg.data.size(); off += 4) {
                    uint32_t insn;
                    std::memcpy(&insn, seg.data.data() + off, 4);
                    if (match(insn)) out.push_back(seg.vaddr + off);
                }
        return out;
    }
    std::optional<uint64_t> symbol(const std::string& name) const;
    const Symbol* symbol_at(uint64_t addr) const;
    // The function (STT_FUNC) of that name, or nullptr.
    const Symbol* function(const std::string& name) const;
    std::vector<std::string> function_names() const;
    // "name+0xoff/0xsize", or the bare hex address when no symbol covers it.
    // A return address is looked up at its call (addr - 4).
    std::string symbolize(uint64_t addr, bool return_address = false) const;
    std::string function_at(uint64_t addr) const;
    // "kernel/arch/arm64/mm/mmu.c:262" for the instruction at `addr`, as the
    // DWARF line table names it, or "" without line information. Read from
    // the file on first use; reports only, never hot paths.
    std::string source_line(uint64_t addr) const;

private:
    struct Dwarf;  // the file's DWARF, opened on first use
    std::string path_;
    mutable std::shared_ptr<Dwarf> dwarf_;
    mutable std::shared_ptr<std::once_flag> dwarf_once_ = std::make_shared<std::once_flag>();
    uint64_t entry_ = 0;
    std::vector<Segment> segments_;
    std::vector<Symbol> symbols_;  // sorted by address
    std::unordered_map<std::string, size_t> by_name_;  // first symbol of each name, for lookups by name
};

}  // namespace lmemu::emu
