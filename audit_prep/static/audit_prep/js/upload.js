/* audit-prep upload forms (Add evidence, New version): files dropped on the drop zone or chosen
   with its file input become drafts, each with its own title (Add evidence), progress bar and
   result. "create" forms send each file in its own request, one after the other, so that a
   refused file never stops the others; "version" forms send every file of the version in one
   request (a version is whole or nothing, as in the API) and show each file's part of it.
   The server answers each request with a small HTML fragment (one <li> per file). Without this
   script the form is an ordinary multipart form. No inline script: the page's text comes from
   the server-rendered <template> and data- attributes. */
(function () {
  "use strict";

  function proposedTitle(name) {
    var stem = name.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "") || name;
    return stem.replace(/_/g, " ").replace(/\s+/g, " ").trim().slice(0, 200);
  }

  function readableSize(bytes) {
    var language = document.documentElement.lang || undefined;
    var unit = bytes < 1024 * 1024 ? "kilobyte" : "megabyte";
    var value = bytes / (unit === "kilobyte" ? 1024 : 1024 * 1024);
    try {
      return new Intl.NumberFormat(language, {style: "unit", unit: unit,
                                              maximumFractionDigits: 1}).format(value);
    } catch (error) {
      return Math.ceil(value) + (unit === "kilobyte" ? " KB" : " MB");
    }
  }

  function fragmentItems(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    return {
      summary: holder.content.querySelector("[data-upload-summary]"),
      items: holder.content.querySelectorAll("li[data-index]")
    };
  }

  function setUp(form) {
    var mode = form.getAttribute("data-mode");
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector("[data-drop-zone]");
    var section = form.querySelector("[data-upload-drafts]");
    var list = form.querySelector("[data-upload-list]");
    var summaryArea = form.querySelector("[data-upload-summary-area]");
    var announce = form.querySelector("[data-upload-announce]");
    var rowTemplate = form.querySelector("template[data-upload-row]");
    var heading = section.querySelector("h2");
    var drafts = [];
    var counter = 0;
    var busy = false;

    form.classList.add("upload-enhanced");
    input.required = false;
    var noJsTitle = form.querySelector("[data-nojs-title]");
    if (noJsTitle) { noJsTitle.hidden = true; }

    function say(text) {
      announce.textContent = "";
      window.setTimeout(function () { announce.textContent = text; }, 50);
    }

    function addFiles(files) {
      Array.prototype.forEach.call(files, function (file) {
        counter += 1;
        var row = rowTemplate.content.firstElementChild.cloneNode(true);
        var id = input.id + "-" + counter;
        row.querySelectorAll("[data-id]").forEach(function (element) {
          element.id = id + "-" + element.getAttribute("data-id");
        });
        row.querySelectorAll("label[data-for]").forEach(function (label) {
          label.htmlFor = id + "-" + label.getAttribute("data-for");
        });
        row.querySelectorAll("[data-name]").forEach(function (element) {
          element.textContent = element.classList.contains("visually-hidden") ? " — " + file.name
            : file.name;
        });
        row.querySelector("[data-size]").textContent = "(" + readableSize(file.size) + ")";
        var title = row.querySelector("[data-title]");
        if (mode === "create") {
          title.value = proposedTitle(file.name);
        } else {
          row.querySelector("[data-title-field]").remove();
        }
        var draft = {file: file, row: row, title: title, done: false};
        row.querySelector("[data-remove]").addEventListener("click", function () {
          drafts = drafts.filter(function (other) { return other !== draft; });
          row.remove();
          section.hidden = drafts.length === 0;
          input.focus();
        });
        drafts.push(draft);
        list.appendChild(row);
      });
      section.hidden = drafts.length === 0;
    }

    function setProgress(draft, fraction) {
      var percent = Math.max(0, Math.min(100, Math.round(fraction * 100)));
      draft.row.querySelector("[data-progress]").value = percent;
      draft.row.querySelector("[data-percent]").textContent = percent + " %";
    }

    function showResult(draft, item, fallback) {
      var slot = draft.row.querySelector("[data-result]");
      slot.textContent = "";
      if (item) {
        draft.row.setAttribute("data-outcome", item.getAttribute("data-outcome"));
        var again = item.querySelector("[data-upload-again]");
        if (again) {
          again.hidden = false;
          again.addEventListener("click", function () { send(draft.group, true); });
        }
        var words = item.querySelector("[data-announce]");
        say(draft.file.name + " : " + (words || item).textContent.replace(/\s+/g, " ").trim());
        while (item.firstChild) { slot.appendChild(item.firstChild); }
      } else {
        var message = document.createElement("p");
        message.className = "form-error";
        message.textContent = fallback;
        slot.appendChild(message);
        say(draft.file.name + " : " + fallback);
      }
      var outcome = draft.row.getAttribute("data-outcome");
      draft.done = outcome === "created";
      if (draft.done) {
        draft.row.querySelector("[data-remove]").remove();
        if (draft.title) { draft.title.readOnly = true; }
      }
    }

    function send(group, allowDuplicate, next) {
      var data = new FormData(form);
      data.delete("files");
      data.delete("title");
      if (allowDuplicate) { data.set("allow_duplicate", "true"); }
      group.forEach(function (draft) {
        draft.group = group;
        data.append("files", draft.file, draft.file.name);
        if (draft.title && mode === "create") { data.set("title", draft.title.value); }
        setProgress(draft, 0);
        draft.row.querySelector("[data-result]").textContent = "";
      });
      var total = group.reduce(function (sum, draft) { return sum + draft.file.size; }, 0) || 1;
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("HX-Request", "true");
      request.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      request.upload.onprogress = function (event) {
        if (!event.lengthComputable) { return; }
        // The files travel in order: each bar shows its own part of the bytes sent.
        var sent = event.loaded / event.total * total;
        var start = 0;
        group.forEach(function (draft) {
          setProgress(draft, (sent - start) / (draft.file.size || 1));
          start += draft.file.size;
        });
      };
      request.onload = function () {
        var found = fragmentItems(request.responseText);
        summaryArea.textContent = "";
        if (found.summary) { summaryArea.appendChild(found.summary); }
        group.forEach(function (draft, index) {
          if (request.status < 300) { setProgress(draft, 1); }
          showResult(draft, found.items[index],
                     zone.getAttribute("data-text-refused") + " (" + request.status + ")");
        });
        if (next) { next(); }
      };
      request.onerror = function () {
        group.forEach(function (draft) {
          showResult(draft, null, zone.getAttribute("data-text-network"));
        });
        if (next) { next(); }
      };
      request.send(data);
    }

    function finish() {
      busy = false;
      heading.focus();
      var created = drafts.filter(function (draft) { return draft.done; }).length;
      say(zone.getAttribute("data-text-done").replace("{done}", created)
          .replace("{total}", drafts.length));
    }

    function sendEach(pending) {
      if (pending.length === 0) { finish(); return; }
      send([pending[0]], false, function () { sendEach(pending.slice(1)); });
    }

    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("drop-over");
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("drop-over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("drop-over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        addFiles(event.dataTransfer.files);
      }
    });
    input.addEventListener("change", function () {
      addFiles(input.files);
      input.value = "";
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var pending = drafts.filter(function (draft) { return !draft.done; });
      if (busy) { return; }
      if (pending.length === 0) {
        say(zone.getAttribute("data-text-empty"));
        input.focus();
        return;
      }
      busy = true;
      if (mode === "create") {
        sendEach(pending);
      } else {
        send(pending, false, finish);
      }
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-upload-form]");
    forms.forEach(setUp);
    if (forms.length) {
      // A file dropped beside the drop zone would make the browser open it and leave the page
      // (and the files being sent): such a drop does nothing.
      ["dragover", "drop"].forEach(function (type) {
        window.addEventListener(type, function (event) {
          if (!event.target.closest || !event.target.closest("[data-drop-zone]")) {
            event.preventDefault();
          }
        });
      });
    }
    var first = document.querySelector("[data-focus-on-load]");
    if (first) { first.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
