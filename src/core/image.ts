/** Image settings, whichever layer they come from, flattened to one contract key per field. */
import type * as z from "zod/mini";
import type { imageSettingsSchema } from "./schema";
import { IMAGE_FIELDS } from "./settingKeys";
import type { LayerValue, LayerValues, Origin } from "./layer";
import { isSecretName, maskSecret, maskSecretsInText, secretValueKind } from "./secrets";
import type { JsonValue } from "./types";

export type ImageSettings = z.output<typeof imageSettingsSchema>;

/**
 * `originOf(path)` gives the origin of a field (`["base_image"]`,
 * `["environment", "LOG_LEVEL"]`); a string image is the base image.
 */
export function flattenImage(image: string | ImageSettings, originOf: (path: string[]) => Origin | undefined, into: LayerValues = new Map()): LayerValues {
  const put = (key: string, value: LayerValue) => into.set(key, value);
  if (typeof image === "string") {
    put("image.base_image", withOrigin({ value: image }, originOf([])));
    return into;
  }
  for (const field of IMAGE_FIELDS) {
    if (field === "environment") continue;
    const raw = field === "base_image" ? image.base_image ?? image.parent_image : image[field];
    if (raw == null) continue; // null (JSON) means unset
    const path = field === "base_image" && image.base_image == null ? ["parent_image"] : [field];
    put(`image.${field}`, withOrigin({ value: raw as JsonValue }, originOf(path)));
  }
  for (const [name, value] of Object.entries(image.environment ?? {})) {
    // A secret name hides the whole value; a credential-looking value only its secret part (a URL keeps its host).
    const shown = isSecretName(name) ? maskSecret(value) : secretValueKind(value) ? maskSecretsInText(value) : undefined;
    put(`image.environment.${name}`, withOrigin(shown !== undefined ? { value: shown, masked: true } : { value }, originOf(["environment", name])));
  }
  return into;
}

function withOrigin(v: LayerValue, origin: Origin | undefined): LayerValue {
  return origin ? { ...v, origin } : v;
}
