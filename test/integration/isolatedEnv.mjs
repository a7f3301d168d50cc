// The environment of a scenario's VS Code without this machine's Kitaru and ZenML
// settings: the config directory is `home`, and every variable that would
// override a file layer or reach a server is unset. Scenarios add their own on top.
import * as path from "node:path";

export function isolatedKitaruEnv(ctx, home) {
  return {
    KITARU_CONFIG_PATH: home,
    ZENML_CONFIG_PATH: undefined,
    ZENML_REPOSITORY_PATH: undefined,
    ZENML_ACTIVE_STACK_ID: undefined,
    XDG_CONFIG_HOME: path.join(ctx.tmpDir, "xdg-config"),
    KITARU_STACK: undefined,
    KITARU_SERVER_URL: undefined,
    KITARU_AUTH_TOKEN: undefined,
    KITARU_PROJECT: undefined,
    ZENML_STORE_URL: undefined,
    ZENML_STORE_API_KEY: undefined,
    ZENML_STORE_USERNAME: undefined,
    ZENML_STORE_PASSWORD: undefined,
  };
}
