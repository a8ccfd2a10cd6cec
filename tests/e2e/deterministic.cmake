# Every built-in case gives byte-identical JSON reports: in one process on fresh machines
# (-j 1 --no-reuse), in worker processes (-j) on machines reused from a booted snapshot (the case list is
# given twice, so the second pass runs every kernel again on the machine the
# first pass booted), and with both cores busy with other work.
execute_process(COMMAND ${LMEMU} run -j 1 --json --no-reuse ${CASES} ${CASES} OUTPUT_VARIABLE fresh RESULT_VARIABLE rc1)
execute_process(COMMAND ${LMEMU} run --json ${CASES} ${CASES} OUTPUT_VARIABLE reused RESULT_VARIABLE rc2)
# Two busy loops, one per core, for as long as the run lasts.
execute_process(COMMAND sh -c "(while :; do :; done) & a=$!; (while :; do :; done) & b=$!; \"$0\" run --json \"$1\" \"$1\"; rc=$?; kill $a $b; exit $rc"
                        ${LMEMU} ${CASES}
                OUTPUT_VARIABLE loaded RESULT_VARIABLE rc3)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT rc3 EQUAL 0)
  message(FATAL_ERROR "lmemu run --json failed (${rc1}, ${rc2}, ${rc3})")
endif()
foreach(other reused loaded)
  if(NOT fresh STREQUAL ${other})
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/fresh.json "${fresh}")
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${other}.json "${${other}}")
    message(FATAL_ERROR "reports on fresh machines and ${other} differ: see fresh.json and ${other}.json")
  endif()
endforeach()
string(LENGTH "${fresh}" n)
message("identical reports (fresh, reused, loaded), ${n} bytes")
