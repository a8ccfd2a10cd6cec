# Three shards of a run (SLICE: case files with explored cells among them),
# merged, are the whole run: `lmemu merge --json` of the shards is
# byte-identical to `lmemu merge --json` of one whole run (merge sorts cells
# by case and cell); a shard given twice, an incomplete set of shards and
# shards of different runs are refused, naming the files.
execute_process(COMMAND ${LMEMU} run --json ${SLICE} OUTPUT_FILE ${CMAKE_CURRENT_BINARY_DIR}/whole.json RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lmemu run --json failed (${rc})")
endif()
set(shards "")
foreach(i 1 2 3)
  execute_process(COMMAND ${LMEMU} run --json --shard ${i}/3 ${SLICE} OUTPUT_FILE ${CMAKE_CURRENT_BINARY_DIR}/shard${i}.json
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "shard ${i}/3 failed (${rc})")
  endif()
  list(APPEND shards ${CMAKE_CURRENT_BINARY_DIR}/shard${i}.json)
endforeach()
execute_process(COMMAND ${LMEMU} merge --json ${CMAKE_CURRENT_BINARY_DIR}/whole.json OUTPUT_VARIABLE whole RESULT_VARIABLE rc1)
execute_process(COMMAND ${LMEMU} merge --json ${shards} OUTPUT_VARIABLE merged RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT whole STREQUAL merged)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/merged.json "${merged}")
  message(FATAL_ERROR "the merged shards are not the whole run (${rc1}, ${rc2}): compare whole.json and merged.json")
endif()
foreach(shard IN LISTS shards)
  file(READ ${shard} part)
  string(JSON n LENGTH "${part}" cells)
  if(n EQUAL 0)
    message(FATAL_ERROR "${shard} holds no cell: three shards of this slice should each hold some")
  endif()
endforeach()
# `lmemu merge FILES...` must refuse with exit status 2, saying each of WANT (a ;-list).
function(expect_refused what want)
  execute_process(COMMAND ${LMEMU} merge ${ARGN} ERROR_VARIABLE err RESULT_VARIABLE rc)
  foreach(w IN LISTS want)
    string(FIND "${err}" "${w}" at)
    if(NOT rc EQUAL 2 OR at EQUAL -1)
      message(FATAL_ERROR "${what} must be refused, saying \"${w}\": ${rc} ${err}")
    endif()
  endforeach()
endfunction()
list(GET shards 0 first)
list(GET shards 1 second)
expect_refused("a shard given twice" "shard 1/3 is given twice: ${first} and ${first}" ${first} ${first})
# One shard of three is not the run: the missing ones are named.
expect_refused("an incomplete set of shards"
               "the shards are incomplete: 3/3 missing; given 1/3 (${first}), 2/3 (${second})" ${first} ${second})
# A shard of another run (here: of the slice's first case file alone).
list(GET SLICE 0 one_case)
set(other ${CMAKE_CURRENT_BINARY_DIR}/other3.json)
execute_process(COMMAND ${LMEMU} run --json --shard 3/3 ${one_case} OUTPUT_FILE ${other})
expect_refused("shards of different runs" "other3.json is shard 3/3 of a run of ;they are not shards of one run"
               ${first} ${second} ${other})
string(JSON n LENGTH "${whole}" cells)
message("3 shards merged: ${n} cells, as in one run")
