# `lmemu run --junit F` on a failing case: the run fails and F says which
# cell failed and why, as CI systems read JUnit XML.
set(xml ${OUT}/junit.xml)
file(REMOVE ${xml})
execute_process(COMMAND ${LMEMU} run ${E2E}/wrong-hazard.toml --junit ${xml} OUTPUT_QUIET RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "a failing case gave exit status 0")
endif()
file(READ ${xml} text)
message("${text}")
foreach(want "<testsuite name=\"wrong-hazard\" tests=\"1\" failures=\"1\" errors=\"0\">"
             "<testcase classname=\"lmemu.wrong-hazard\" name=\"default\""
             "<failure message=\"hazard: expected unactioned-mapping, got stale-tlb\">")
  string(FIND "${text}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "missing from ${xml}: ${want}")
  endif()
endforeach()
