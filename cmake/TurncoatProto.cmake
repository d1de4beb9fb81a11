# turncoat_proto_library(NAME PROTOS a.proto b.proto [GRPC])
#
# Compiles .proto files into a static library. Generated sources land in the
# build tree under the same relative path as the .proto, so includes read
# "targets/refbft/refbft.pb.h" from anywhere.
function(turncoat_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS" ${ARGN})
  set(srcs)
  foreach(proto IN LISTS ARG_PROTOS)
    get_filename_component(abs "${proto}" ABSOLUTE)
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${abs}")
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(out_pb "${PROJECT_BINARY_DIR}/${stem}.pb.cc" "${PROJECT_BINARY_DIR}/${stem}.pb.h")
    set(outs ${out_pb})
    set(grpc_args)
    if(ARG_GRPC)
      list(APPEND outs "${PROJECT_BINARY_DIR}/${stem}.grpc.pb.cc" "${PROJECT_BINARY_DIR}/${stem}.grpc.pb.h")
      set(grpc_args --grpc_out=${PROJECT_BINARY_DIR}
                    --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc
              --proto_path=${PROJECT_SOURCE_DIR}
              --cpp_out=${PROJECT_BINARY_DIR}
              ${grpc_args}
              "${abs}"
      DEPENDS "${abs}" protobuf::protoc
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND srcs ${outs})
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC "${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf)
  if(ARG_GRPC)
    target_link_libraries(${name} PUBLIC gRPC::grpc++)
  endif()
  # Generated code trips -Wextra in ways we do not own.
  target_compile_options(${name} PRIVATE -w)
endfunction()
