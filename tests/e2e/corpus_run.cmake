# Fixture: `lmemu run --json` of the cases once per build; e2e-cases,
# e2e-replay and e2e-deterministic read its output (${OUT}) instead of
# running the corpus again. Fails only if lmemu gave no report (a crash, a
# usage error): whether the cells met their expectations is e2e-cases' to say.
file(REMOVE ${OUT} ${OUT}.rc)
execute_process(COMMAND ${LMEMU} run --json ${CASES} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
file(WRITE ${OUT}.rc "${rc}")
if(NOT (rc EQUAL 0 OR rc EQUAL 1))
  message(FATAL_ERROR "lmemu run --json ${CASES} gave no report (exit status ${rc})")
endif()
file(READ ${OUT} json)
string(JSON cells LENGTH "${json}" cells)
message("${cells} cell(s) in ${OUT}")
