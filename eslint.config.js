// ESLint for the app's JavaScript (make lint-js): the recommended rules on the browser's native modules,
// served as written (no build step). Leaflet and its cluster plugin are the page's global `L`.
import js from "@eslint/js";
import globals from "globals";

export default [
  { files: ["carte/static/**/*.js"], ...js.configs.recommended },
  {
    files: ["carte/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, L: "readonly" },
    },
  },
  // Pasted by other sites after their iframe: a classic script, not a module.
  { files: ["carte/static/embed/host.js"], languageOptions: { sourceType: "script" } },
];
