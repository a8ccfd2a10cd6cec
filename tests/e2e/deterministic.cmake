# The slice of the corpus (SLICE: case files with every kind of cell — plain,
# injected, swept, explored exhaustively and by PCT, under every arch model)
# gives byte-identical JSON reports: in one process on fresh machines (-j 1
# --no-reuse), in worker processes on machines reused from a booted snapshot,
# and (not under the sanitizers) with both cores busy with other work. The
# slice is given twice, so the second pass runs every kernel again on the
# machine the first pass booted. Whether load changes a report is the code's
# property, which the plain build checks; the sanitized build checks the
# fresh and reused paths' memory.
#
# The slice must stay representative: every kind of cell the corpus run
# (CORPUS) holds must be in it, or this test fails naming the missing kinds.
function(kinds_of json out)
  string(JSON cells LENGTH "${json}" cells)
  math(EXPR last "${cells} - 1")
  set(kinds "")
  foreach(i RANGE ${last})
    string(JSON cell GET "${json}" cells ${i})
    string(JSON arch GET "${cell}" arch)
    string(JSON how ERROR_VARIABLE plain GET "${cell}" exploration how)
    string(JSON at ERROR_VARIABLE unswept GET "${cell}" sweep at)
    if(NOT plain)
      string(REGEX REPLACE ",.*" "" how "${how}")
      list(APPEND kinds "${arch} explored (${how})")
    elseif(NOT unswept)
      list(APPEND kinds "${arch} swept")
    else()
      list(APPEND kinds "${arch} plain")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES kinds)
  set(${out} "${kinds}" PARENT_SCOPE)
endfunction()

execute_process(COMMAND ${LMEMU} run -j 1 --json --no-reuse ${SLICE} ${SLICE} OUTPUT_VARIABLE fresh RESULT_VARIABLE rc1)
execute_process(COMMAND ${LMEMU} run --json ${SLICE} ${SLICE} OUTPUT_VARIABLE reused RESULT_VARIABLE rc2)
# Two busy loops, one per core, for as long as the run lasts.
set(compared reused)
set(rc3 0)
if(NOT SANITIZED)
  execute_process(COMMAND sh -c "(while :; do :; done) & a=$!; (while :; do :; done) & b=$!; \"$0\" run --json \"$@\" \"$@\"; rc=$?; kill $a $b; exit $rc"
                          ${LMEMU} ${SLICE}
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
    message(FATAL_ERROR "reports on fresh machines and ${other} differ: see fresh.json and ${other}.json in ${CMAKE_CURRENT_BINARY_DIR}")
  endif()
endforeach()

kinds_of("${fresh}" have)
file(READ ${CORPUS} corpus)
kinds_of("${corpus}" need)
set(missing ${need})
list(REMOVE_ITEM missing ${have})
if(missing)
  string(JOIN "; " missing ${missing})
  message(FATAL_ERROR "the slice lacks kinds of cell the corpus has: ${missing} (add a case of each to LMEMU_SLICE in tests/CMakeLists.txt)")
endif()
string(LENGTH "${fresh}" n)
string(JSON cells LENGTH "${fresh}" cells)
string(JOIN ", " others ${compared})
string(JOIN "; " have ${have})
message("identical reports (fresh, ${others}): ${cells} cells, ${n} bytes; kinds: ${have}")
