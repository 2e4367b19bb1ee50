// Burns CPU until the CPU time limit stops it.
export default {
  fetch() {
    let x = 0;
    for (;;) x = (x + 1) % 1000003;
  },
};
