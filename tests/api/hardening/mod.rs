//! Issue 9, hole 3 and the smaller holes of item 8: each test here failed on the code
//! before its fix (the commit that added it says how).

mod keys;
