// An enterprise's page: its share panel shares the page's own link.
import { createShare } from "./share.js";

createShare(document.getElementById("share"));
