// Search results quote each page's text around the words found. MathJax does not run there, so
// a formula would show as TeX between \( and \): show its TeX without the delimiters, and leave
// out the page's header buttons (their labels are not the page's text).
(() => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".bd-header-article").forEach((element) => element.remove());
    page.querySelectorAll(".math").forEach((element) => {
      element.textContent = element.textContent.trim().replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
    });
    return htmlToText(page.documentElement.outerHTML, anchor);
  };
})();
