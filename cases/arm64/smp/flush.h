/* Each variant of tlbi-local-vs-broadcast.toml flushes the unmapped page its own way. */
void flush_one(unsigned long addr);
