// The device tolerance tables live in @ddpo/tensor/testing (one table per device and dtype, shared by
// every adapter's tests); re-exported here so `DEVICE_TOLERANCES.webgpu` stays reachable next to the
// adapter it describes.
export {
  DEVICE_TOLERANCES,
  toleranceOf,
  type DeviceTolerances,
  type ModelTolerance,
  type Tolerance,
  type ToleranceTable,
} from '@ddpo/tensor/testing';
