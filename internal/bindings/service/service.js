// Service bindings: env.OTHER.fetch(input, init) runs another worker of the
// same process (the host object's fetch, made by servicebinding).
import { Fetcher } from "runtime:fetcher.js";
import { registerBindingFactory } from "runtime:bindings.js";
import { registerUncloneable } from "runtime:structuredclone.js";

registerUncloneable(Fetcher);
registerBindingFactory("service", (name, host) => new Fetcher(name, (req) => host.fetch(req)));
