// Autosave for the builder's field forms (progressive: the forms work without this script).
// A change is posted a moment after typing stops; the server answers 204 when saved. When it
// refuses (422), the page says so and the builder presses "Save" to see the problems.
const DELAY_MS = 800;

for (const form of document.querySelectorAll("form[data-autosave]")) {
  const status = form.querySelector("[data-autosave-status]");
  const lang = document.documentElement.lang === "en" ? "en" : "ja";
  const words = {
    saving: { ja: "保存しています…", en: "Saving…" },
    saved: { ja: "自動保存しました。", en: "Saved automatically." },
    failed: {
      ja: "自動保存できませんでした。「保存」を押して内容を確認してください。",
      en: "Could not save automatically. Press Save to see what to correct.",
    },
  };
  const say = (key) => {
    if (status) status.textContent = words[key][lang];
  };
  let timer = null;
  let last = new URLSearchParams(new FormData(form)).toString();
  const save = async () => {
    const body = new URLSearchParams(new FormData(form));
    const text = body.toString();
    if (text === last) return;
    say("saving");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body,
        headers: { "X-Yui-Autosave": "1" },
        credentials: "same-origin",
        redirect: "manual",
      });
      if (response.status === 204) {
        last = text;
        say("saved");
      } else {
        say("failed");
      }
    } catch {
      say("failed");
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", () => clearTimeout(timer));
}
