# A folder with a misspelt key, C that does not compile and a good case:
# the errors name file:line:col (clang's diagnostics as they are), the good
# case still runs and passes, and the run fails.
execute_process(COMMAND ${LMEMU} run ${DIR}/bad OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "lmemu run succeeded on broken cases")
endif()
foreach(want
    "1-typo.toml:8:1: error: unknown config key 'polcy'"
    "note: did you mean 'policy'?"
    "2-no-compile.toml:6:2: error: use of undeclared identifier 'this_is_not_c'"
    "PASS  good [default]: clean"
    "3 run(s): 1 passed, 0 failed, 2 error(s)")
  string(FIND "${out}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "missing from the output: ${want}")
  endif()
endforeach()
