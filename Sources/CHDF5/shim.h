// libhdf5 for Swift. The HDF5 type and flag constants are macros that call
// H5open() and read a global id (H5T_NATIVE_FLOAT, H5F_ACC_RDONLY, H5P_DEFAULT...),
// which Swift cannot import; these inline functions hand them over as values.
#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H

#include <hdf5.h>

static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }

/// Turns off HDF5's automatic error printing to stderr for the default error stack.
static inline herr_t chdf5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// 1 when `name` (relative to `loc`) is a group, 0 when it is another object, -1 on error.
/// H5Oget_info_by_name is a macro whose target and struct differ between HDF5 1.10 and 1.12+.
static inline int chdf5_is_group(hid_t loc, const char *name) {
    H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
    if (H5Oget_info_by_name(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#else
    if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#endif
    return info.type == H5O_TYPE_GROUP ? 1 : 0;
}

/// Calls `callback(name, context)` for every link of `group` in name order, in one pass
/// (H5Literate, whose callback type differs between HDF5 1.10 and 1.12+). A non-zero return
/// from the callback stops the iteration and is returned.
typedef int (*chdf5_link_name_callback)(const char *name, void *context);

struct chdf5_link_name_iteration { chdf5_link_name_callback callback; void *context; };

#if H5_VERSION_GE(1, 12, 0)
static herr_t chdf5_link_name_thunk(hid_t group, const char *name, const H5L_info2_t *info, void *data) {
#else
static herr_t chdf5_link_name_thunk(hid_t group, const char *name, const H5L_info_t *info, void *data) {
#endif
    (void)group; (void)info;
    struct chdf5_link_name_iteration *iteration = data;
    return iteration->callback(name, iteration->context);
}

static inline herr_t chdf5_link_names(hid_t group, chdf5_link_name_callback callback, void *context) {
    struct chdf5_link_name_iteration iteration = { callback, context };
    hsize_t index = 0;
#if H5_VERSION_GE(1, 12, 0)
    return H5Literate2(group, H5_INDEX_NAME, H5_ITER_INC, &index, chdf5_link_name_thunk, &iteration);
#else
    return H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, chdf5_link_name_thunk, &iteration);
#endif
}

#endif
