# The Debian package (scripts/package): CPack's DEB generator, with Depends computed by dpkg-shlibdeps, the
# binary stripped and its debug symbols in a separate tollgate-dbgsym .ddeb, and what Debian policy asks of
# /usr/share/doc/tollgate (copyright in the machine-readable format, changelog.Debian.gz).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tollgate)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "tollgate maintainers <maintainers@users.noreply.h-seed-d3d80aaf.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "seccomp user-notification supervisor")
# The extended description; CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY before it as the synopsis.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "tollgate stops a program's sensitive system calls (mount, settimeofday,
reboot, mknod, ...) in the kernel and decides each one by policy or by
asking a person: let it run, fail it with an errno, or emulate it safely
on the caller's behalf, as for mounts in rootless containers. It also
explains denials, audits Docker/OCI seccomp profiles without enforcing
them, and serves runc and crun as an OCI seccomp agent.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Debug symbols: a component install is what lets CPack split them into tollgate-dbgsym; one component,
# so one package.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
# CPack splits the symbols out of the unstripped binary and strips it itself (CPACK_STRIP_FILES would strip
# first and leave nothing to split).
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
# Files under /etc are the administrator's: dpkg keeps their edits across upgrades.
set(conffiles "${PROJECT_BINARY_DIR}/packaging/conffiles")
file(WRITE "${conffiles}" "${TOLLGATE_CONFIG_DIR}/policies/README\n")
# Purging deletes the persistent state the daemon wrote (packaging/debian/postrm.in).
configure_file("${PROJECT_SOURCE_DIR}/packaging/debian/postrm.in" "${PROJECT_BINARY_DIR}/packaging/postrm" @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${conffiles}" "${PROJECT_BINARY_DIR}/packaging/postrm")

set(debian_doc "${CMAKE_INSTALL_DATADIR}/doc/tollgate")
install(FILES packaging/debian/lintian-overrides DESTINATION "${CMAKE_INSTALL_DATADIR}/lintian/overrides"
        RENAME tollgate)
install(FILES packaging/debian/copyright DESTINATION "${debian_doc}")
set(changelog_gz "${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz")
add_custom_command(
  OUTPUT "${changelog_gz}"
  COMMAND sh -c "gzip -9n < \"$0\" > \"$1\"" "${PROJECT_SOURCE_DIR}/packaging/debian/changelog" "${changelog_gz}"
  DEPENDS packaging/debian/changelog VERBATIM)
# The upstream changelog under the name Debian expects, compressed.
set(upstream_changelog_gz "${PROJECT_BINARY_DIR}/packaging/changelog.gz")
add_custom_command(
  OUTPUT "${upstream_changelog_gz}"
  COMMAND sh -c "gzip -9n < \"$0\" > \"$1\"" "${PROJECT_SOURCE_DIR}/CHANGELOG.md" "${upstream_changelog_gz}"
  DEPENDS CHANGELOG.md VERBATIM)
add_custom_target(debian_changelog ALL DEPENDS "${changelog_gz}" "${upstream_changelog_gz}")
install(FILES "${changelog_gz}" "${upstream_changelog_gz}" DESTINATION "${debian_doc}")

include(CPack)
