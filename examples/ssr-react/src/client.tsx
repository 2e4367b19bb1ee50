import { hydrateRoot } from "react-dom/client";
import { App } from "./App";
import type { Food } from "./food";

// The data the server rendered with, embedded in the page.
const initialFood = JSON.parse(document.getElementById("initial-food")!.textContent!) as Food | null;

hydrateRoot(document.getElementById("app")!, <App initialFood={initialFood} />);
