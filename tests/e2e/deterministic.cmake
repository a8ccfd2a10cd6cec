# Every built-in case gives byte-identical JSON reports: in one process on fresh machines
# (-j 1 --no-reuse), in worker processes (-j) on machines reused from a booted snapshot (the case list is
# given twice, so the second pass runs every kernel again on the machine the
# first pass booted), and (not under the sanitizers) with both cores busy with other work.
execute_process(COMMAND ${LMEMU} run -j 1 --json --no-reuse ${CASES} ${CASES} OUTPUT_VARIABLE fresh RESULT_VARIABLE rc1)
execute_process(COMMAND ${LMEMU} run --json ${CASES} ${CASES} OUTPUT_VARIABLE reused RESULT_VARIABLE rc2)
# Two busy loops, one per core, for as long as the run lasts. Not under the
# sanitizers: whether load changes a report is the code's property, which the
# plain build checks; the sanitized build checks the fresh and reused paths'
# memory, and the loaded pass was a third of its 28-minute run.
set(compared reused)
set(rc3 0)
if(NOT SANITIZED)
  execute_process(COMMAND sh -c "(while :; do :; done) & a=$!; (while :; do :; done) & b=$!; \"$0\" run --json \"$1\" \"$1\"; rc=$?; kill $a $b; exit $rc"
                          ${LMEMU} ${CASES}
                  OUTPUT_VARIABLE loaded RESULT_VARIABLE rc3)
  list(APPEND compared loaded)
endif()
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT rc3 EQUAL 0)
  message(FATAL_ERROR "lmemu run --json failed (${rc1}, ${rc2}, ${rc3})")
endif()
foreach(other IN LISTS compared)
  if(NOT fresh STREQUAL ${other})
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/fresh.json "${fresh}")
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${other}.json "${${other}}")
    message(FATAL_ERROR "reports on fresh machines and ${other} differ: see fresh.json and ${other}.json")
  endif()
endforeach()
string(LENGTH "${fresh}" n)
string(JOIN ", " others ${compared})
message("identical reports (fresh, ${others}), ${n} bytes")
